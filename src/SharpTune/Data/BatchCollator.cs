namespace SharpTune.Data;

/// <summary>Pads samples into micro-batches (<see cref="CollatedBatch"/>), on the right, to the longest row or a fixed length.</summary>
/// <param name="padId">The id that fills padding (the tokenizer's pad id, else its eos id).</param>
public sealed class BatchCollator(long padId)
{
    /// <summary>The padding id.</summary>
    public long PadId => padId;

    /// <summary>One padded batch of <paramref name="samples"/>; <paramref name="length"/> pads to a fixed length (at least the longest).</summary>
    public CollatedBatch Collate(IReadOnlyList<TokenizedSample> samples, int? length = null)
    {
        if (samples.Count == 0) throw new ArgumentException("a batch needs at least one sample", nameof(samples));
        int width = Math.Max(length ?? 0, samples.Max(s => s.Length));
        int rows = samples.Count;
        var ids = new long[rows * width];
        var labels = new long[rows * width];
        var mask = new long[rows * width];
        var positions = new long[rows * width];
        var sequences = new long[rows * width];
        Array.Fill(ids, padId);
        Array.Fill(labels, TokenizedSample.IgnoreLabel);
        Array.Fill(sequences, -1L);
        for (int r = 0; r < rows; r++)
        {
            var s = samples[r];
            int at = r * width;
            for (int i = 0; i < s.Length; i++)
            {
                ids[at + i] = s.InputIds[i];
                labels[at + i] = s.Labels[i];
                mask[at + i] = 1;
                positions[at + i] = s.PositionIds?[i] ?? i;
                sequences[at + i] = s.SequenceIds?[i] ?? 0;
            }
        }
        return new CollatedBatch { Rows = rows, Length = width, InputIds = ids, Labels = labels, AttentionMask = mask, PositionIds = positions, SequenceIds = sequences };
    }

    /// <summary>Chosen and rejected sequences of <paramref name="pairs"/>, padded to one common length (so they can be stacked).</summary>
    public (CollatedBatch Chosen, CollatedBatch Rejected) CollatePairs(IReadOnlyList<TokenizedPair> pairs, int? length = null)
    {
        if (pairs.Count == 0) throw new ArgumentException("a batch needs at least one pair", nameof(pairs));
        int width = Math.Max(length ?? 0, pairs.Max(p => Math.Max(p.Chosen.Length, p.Rejected.Length)));
        return (Collate(pairs.Select(p => p.Chosen).ToList(), width), Collate(pairs.Select(p => p.Rejected).ToList(), width));
    }

    /// <summary>Consecutive batches of <paramref name="batchSize"/> samples (the last may be smaller), in the given order.</summary>
    public IEnumerable<CollatedBatch> Batches(IReadOnlyList<TokenizedSample> samples, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        for (int start = 0; start < samples.Count; start += batchSize)
            yield return Collate(samples.Skip(start).Take(batchSize).ToList());
    }
}
