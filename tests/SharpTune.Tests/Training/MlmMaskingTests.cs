using SharpTune.Training;

namespace SharpTune.Tests.Training;

public sealed class MlmMaskingTests
{
    private const long Mask = 4, Vocab = 1000;
    private static readonly HashSet<long> Specials = [0, 1, 2, 3, 4];

    /// <summary>100 rows of [CLS] 60 words [SEP] and 10 padding positions.</summary>
    private static (long[] Ids, long[] Attention) Batch()
    {
        var random = new Random(3);
        var ids = new List<long>();
        var attention = new List<long>();
        for (int r = 0; r < 100; r++)
        {
            ids.Add(2);
            ids.AddRange(Enumerable.Range(0, 60).Select(_ => (long)random.Next(5, (int)Vocab)));
            ids.Add(3);
            ids.AddRange(Enumerable.Repeat(0L, 10));
            attention.AddRange(Enumerable.Repeat(1L, 62));
            attention.AddRange(Enumerable.Repeat(0L, 10));
        }
        return (ids.ToArray(), attention.ToArray());
    }

    [Fact]
    public void About_15_percent_are_chosen_and_replaced_80_10_10()
    {
        var (ids, attention) = Batch();
        var (inputs, labels) = new MlmMasking(0.15, Mask, Vocab, Specials).Apply(ids, attention, new Random(7));
        int eligible = ids.Where((id, i) => attention[i] != 0 && !Specials.Contains(id)).Count();
        var chosen = Enumerable.Range(0, ids.Length).Where(i => labels[i] != -100).ToList();
        Assert.InRange((double)chosen.Count / eligible, 0.135, 0.165);
        Assert.All(chosen, i => Assert.Equal(ids[i], labels[i]));
        double masked = chosen.Count(i => inputs[i] == Mask) / (double)chosen.Count;
        double kept = chosen.Count(i => inputs[i] == ids[i]) / (double)chosen.Count;
        double random = 1 - masked - kept;
        Assert.InRange(masked, 0.76, 0.84);
        Assert.InRange(kept, 0.07, 0.13);
        Assert.InRange(random, 0.07, 0.13);
        // Positions not chosen are untouched.
        Assert.All(Enumerable.Range(0, ids.Length).Where(i => labels[i] == -100), i => Assert.Equal(ids[i], inputs[i]));
    }

    [Fact]
    public void Special_tokens_and_padding_are_never_masked()
    {
        var (ids, attention) = Batch();
        var masking = new MlmMasking(0.9, Mask, Vocab, Specials);
        for (int seed = 0; seed < 5; seed++)
        {
            var (inputs, labels) = masking.Apply(ids, attention, new Random(seed));
            for (int i = 0; i < ids.Length; i++)
                if (attention[i] == 0 || Specials.Contains(ids[i]))
                {
                    Assert.Equal(-100, labels[i]);
                    Assert.Equal(ids[i], inputs[i]);
                }
        }
    }

    [Fact]
    public void Masks_are_deterministic_per_seed_and_differ_between_seeds()
    {
        var (ids, attention) = Batch();
        var masking = new MlmMasking(0.15, Mask, Vocab, Specials);
        var a = masking.Apply(ids, attention, MlmMasking.RandomFor(42, 3, 0));
        var b = masking.Apply(ids, attention, MlmMasking.RandomFor(42, 3, 0));
        var c = masking.Apply(ids, attention, MlmMasking.RandomFor(42, 4, 0));
        Assert.Equal(a.Inputs, b.Inputs);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Labels, c.Labels);
    }
}
