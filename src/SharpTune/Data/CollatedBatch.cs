namespace SharpTune.Data;

/// <summary>
/// A padded micro-batch, row-major arrays of <see cref="Rows"/> × <see cref="Length"/> ready for tensors
/// (e.g. <c>torch.tensor(batch.InputIds, [batch.Rows, batch.Length])</c>). Padding is on the right: pad id in
/// <see cref="InputIds"/>, -100 in <see cref="Labels"/>, 0 in <see cref="AttentionMask"/> and <see cref="PositionIds"/>,
/// -1 in <see cref="SequenceIds"/>.
/// </summary>
public sealed class CollatedBatch
{
    /// <summary>Number of rows (samples, or packed rows).</summary>
    public required int Rows { get; init; }

    /// <summary>Tokens per row, padding included.</summary>
    public required int Length { get; init; }

    /// <summary>Token ids.</summary>
    public required long[] InputIds { get; init; }

    /// <summary>Labels, unshifted; -100 where nothing is trained.</summary>
    public required long[] Labels { get; init; }

    /// <summary>1 for a token, 0 for padding.</summary>
    public required long[] AttentionMask { get; init; }

    /// <summary>Position ids: 0..n-1 per sample (restarting inside packed rows).</summary>
    public required long[] PositionIds { get; init; }

    /// <summary>Sample index within its row (all 0 when not packed), -1 for padding. Token i may attend to token j
    /// when j ≤ i and both have the same sequence id.</summary>
    public required long[] SequenceIds { get; init; }

    /// <summary>Number of labels that are not -100 (for normalising the loss over an accumulated batch).</summary>
    public long TrainedTokens => Labels.LongCount(l => l != TokenizedSample.IgnoreLabel);
}
