using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Next-token cross-entropy. Labels line up with the inputs (as the data pipeline and transformers give them) and
/// are shifted here: the logits at position t predict the label at t + 1; labels of -100 are not trained.
/// </summary>
public static class CausalLmLoss
{
    /// <summary>The label value that is not trained.</summary>
    public const long IgnoreIndex = -100;

    private static readonly Scalar Ignored = IgnoreIndex.ToScalar();   // held: see AdamStepScalars

    /// <summary>
    /// The summed loss over the trained labels of a batch (not the mean), so that gradient accumulation can divide by
    /// the label count of the whole accumulated batch rather than averaging per micro-batch. The caller counts the
    /// labels on the host, where they came from, so no device sync is spent on it.
    /// </summary>
    public static Tensor Sum(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        // Shift the labels left (the last position predicts nothing) rather than cut the logits: a cut [B, T−1, V] view
        // is not contiguous, and flattening it would copy the largest tensor of the step.
        long batch = labels.shape[0];
        var shiftedLabels = cat([labels.narrow(1, 1, labels.shape[1] - 1), full(batch, 1, Ignored, ScalarType.Int64, labels.device)], 1).reshape(-1);
        var sum = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32), shiftedLabels,
            ignore_index: IgnoreIndex, reduction: nn.Reduction.Sum);
        return sum.MoveToOuterDisposeScope();
    }
}
