namespace SharpTune.Training;

/// <summary>
/// BERT's masking for masked-LM training (as transformers' DataCollatorForLanguageModeling): each real, non-special
/// token is chosen with probability <c>mlm_probability</c>; a chosen token becomes [MASK] 80% of the time, a random
/// token 10%, and stays itself 10%, and only chosen tokens carry a label (the original id); all others get -100.
/// Seeded, so a step's masks are the same on every run and on resume.
/// </summary>
/// <param name="probability"><c>mlm_probability</c> (0.15 in BERT).</param>
/// <param name="maskId">The [MASK] token's id.</param>
/// <param name="vocabSize">Random replacements are drawn from [0, vocabSize).</param>
/// <param name="specialIds">Ids never masked ([CLS], [SEP], [PAD], …).</param>
public sealed class MlmMasking(double probability, long maskId, long vocabSize, IReadOnlySet<long> specialIds)
{
    /// <summary>The chance that a token is chosen.</summary>
    public double Probability => probability;

    /// <summary>
    /// The masked inputs and the labels for <paramref name="ids"/> (a flattened batch) with its
    /// <paramref name="attentionMask"/> (0 = padding, never masked), drawn from <paramref name="random"/>.
    /// </summary>
    public (long[] Inputs, long[] Labels) Apply(long[] ids, long[] attentionMask, Random random)
    {
        var inputs = (long[])ids.Clone();
        var labels = new long[ids.Length];
        Array.Fill(labels, CausalLmLoss.IgnoreIndex);
        for (int i = 0; i < ids.Length; i++)
        {
            // Every position draws the same numbers whether or not it is eligible, so masks do not shift with padding.
            double chosen = random.NextDouble(), how = random.NextDouble();
            long replacement = random.NextInt64(vocabSize);
            if (attentionMask[i] == 0 || specialIds.Contains(ids[i]) || chosen >= probability) continue;
            labels[i] = ids[i];
            if (how < 0.8) inputs[i] = maskId;
            else if (how < 0.9) inputs[i] = replacement;
        }
        return (inputs, labels);
    }

    /// <summary>A random source for micro-batch <paramref name="index"/> of step <paramref name="step"/> under <paramref name="seed"/>.</summary>
    public static Random RandomFor(long seed, long step, long index) =>
        new((int)((seed * 1_000_003 + step * 7919 + index) & int.MaxValue));
}
