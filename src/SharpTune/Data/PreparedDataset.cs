namespace SharpTune.Data;

/// <summary>
/// The pipeline's output: shuffled, split, (packed) tokenized samples for training and validation — and preference
/// pairs when the config has preference datasets — with the report of what was read, dropped and produced.
/// </summary>
public sealed class PreparedDataset
{
    /// <summary>Training samples (packed rows when <see cref="Packed"/>).</summary>
    public required IReadOnlyList<TokenizedSample> Train { get; init; }

    /// <summary>Validation samples (packed rows when <see cref="Packed"/>).</summary>
    public required IReadOnlyList<TokenizedSample> Validation { get; init; }

    /// <summary>Training preference pairs (never packed).</summary>
    public required IReadOnlyList<TokenizedPair> TrainPairs { get; init; }

    /// <summary>Validation preference pairs.</summary>
    public required IReadOnlyList<TokenizedPair> ValidationPairs { get; init; }

    /// <summary><c>sequence_len</c>: no row is longer.</summary>
    public required int SequenceLen { get; init; }

    /// <summary>Whether samples were packed into rows.</summary>
    public required bool Packed { get; init; }

    /// <summary>The id that pads batches.</summary>
    public required long PadId { get; init; }

    /// <summary>What was read, dropped and produced.</summary>
    public required DataReport Report { get; init; }

    /// <summary>The cache file this dataset was loaded from or saved to, if any.</summary>
    public string? CacheFile { get; init; }

    /// <summary>A collator that pads with <see cref="PadId"/>.</summary>
    public BatchCollator Collator => new(PadId);

    /// <summary>The lengths of all samples before packing (from the rows' sequence ids when packed), training then validation.</summary>
    public IEnumerable<int> SampleLengths() =>
        Train.Concat(Validation).SelectMany(s => s.SampleLengths())
            .Concat(TrainPairs.Concat(ValidationPairs).SelectMany(p => new[] { p.Chosen.Length, p.Rejected.Length }));
}
