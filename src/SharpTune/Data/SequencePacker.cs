namespace SharpTune.Data;

/// <summary>
/// Sample packing: puts several samples into each row of at most <c>sequence_len</c> tokens by best-fit decreasing
/// (longest sample first, each into the fullest row it still fits in, ties to the earliest row), so that no sample is
/// split across rows. Each row gets position ids restarting at 0 per sample and a sequence id per sample
/// (0, 1, 2, …), and the first label of every sample is set to -100, so that after the loss's shift no token is
/// trained to predict the first token of the next, unrelated sample.
/// </summary>
public static class SequencePacker
{
    /// <summary>Packs <paramref name="samples"/> (each at most <paramref name="capacity"/> tokens) into rows.</summary>
    /// <exception cref="ArgumentException">A sample is longer than <paramref name="capacity"/>.</exception>
    public static List<TokenizedSample> Pack(IReadOnlyList<TokenizedSample> samples, int capacity)
    {
        var order = Enumerable.Range(0, samples.Count).OrderByDescending(i => samples[i].Length).ThenBy(i => i).ToList();
        var rows = new List<List<int>>();
        var free = new SortedSet<(int Free, int Row)>();
        foreach (int index in order)
        {
            int length = samples[index].Length;
            if (length > capacity) throw new ArgumentException($"sample {index} has {length} tokens, more than the row capacity {capacity}", nameof(samples));
            (int Free, int Row)? best = null;
            foreach (var slot in free.GetViewBetween((length, int.MinValue), (int.MaxValue, int.MaxValue)))
            {
                best = slot;
                break;
            }
            if (best is { } b)
            {
                free.Remove(b);
                rows[b.Row].Add(index);
                free.Add((b.Free - length, b.Row));
            }
            else
            {
                rows.Add([index]);
                free.Add((capacity - length, rows.Count - 1));
            }
        }
        return rows.Select(row => Join(row.Select(i => samples[i]).ToList())).ToList();
    }

    private static TokenizedSample Join(List<TokenizedSample> parts)
    {
        int total = parts.Sum(p => p.Length);
        var ids = new int[total];
        var labels = new int[total];
        var positions = new int[total];
        var sequences = new int[total];
        int at = 0;
        for (int s = 0; s < parts.Count; s++)
        {
            var part = parts[s];
            part.InputIds.CopyTo(ids, at);
            part.Labels.CopyTo(labels, at);
            if (part.Length > 0) labels[at] = TokenizedSample.IgnoreLabel;
            for (int i = 0; i < part.Length; i++)
            {
                positions[at + i] = i;
                sequences[at + i] = s;
            }
            at += part.Length;
        }
        return new TokenizedSample(ids, labels) { PositionIds = positions, SequenceIds = sequences };
    }
}
