namespace SharpTune.Training;

/// <summary>How a causal LM does on held-out rows: loss per trained label, and how many samples it gets exactly right.</summary>
/// <param name="Loss">Mean cross-entropy per trained label (NaN when no label is trained).</param>
/// <param name="Labels">Trained labels scored.</param>
/// <param name="Samples">Samples with at least one trained label (a packed row holds several).</param>
/// <param name="ExactMatches">Samples whose every trained token is the model's greedy choice.</param>
public sealed record EvaluationResult(double Loss, long Labels, int Samples, int ExactMatches)
{
    /// <summary>exp(loss).</summary>
    public double Perplexity => Math.Exp(Loss);

    /// <summary>The share of samples answered exactly (NaN when there are none).</summary>
    public double ExactMatch => Samples == 0 ? double.NaN : (double)ExactMatches / Samples;
}
