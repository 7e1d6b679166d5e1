namespace SharpTune.Data;

/// <summary>
/// One training row: token ids and their labels, aligned (label i belongs to token i, not shifted: the loss shifts,
/// as in transformers). A label is the token id where the token is trained and -100 where it is context.
/// A packed row also has per-token position ids (restarting at 0 in each sample) and sequence ids (0, 1, 2, … per
/// sample) so that attention can stay inside each sample; an unpacked sample has neither (positions are 0..n-1).
/// </summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="Labels">Token id or -100, per token.</param>
public sealed record TokenizedSample(int[] InputIds, int[] Labels)
{
    /// <summary>The label of a token that is not trained.</summary>
    public const int IgnoreLabel = -100;

    /// <summary>Position ids of a packed row; null for one sample.</summary>
    public int[]? PositionIds { get; init; }

    /// <summary>Per token, the index of the sample it belongs to within a packed row; null for one sample.</summary>
    public int[]? SequenceIds { get; init; }

    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Length;

    /// <summary>Number of tokens with a label.</summary>
    public int TrainedCount => Labels.Count(l => l != IgnoreLabel);

    /// <summary>The lengths of the samples in this row: one for an unpacked sample, one per sample when packed.</summary>
    public IEnumerable<int> SampleLengths()
    {
        if (SequenceIds is null)
        {
            yield return Length;
            yield break;
        }
        int start = 0;
        for (int i = 1; i <= SequenceIds.Length; i++)
        {
            if (i < SequenceIds.Length && SequenceIds[i] == SequenceIds[start]) continue;
            yield return i - start;
            start = i;
        }
    }
}
