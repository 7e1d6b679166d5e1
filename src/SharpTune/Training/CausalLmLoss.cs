using SharpTune.Models;
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

    /// <summary><see cref="IgnoreIndex"/> as a Scalar held for the process (an implicit one may be finalized mid-call: see AdamStepScalars).</summary>
    internal static readonly Scalar Ignored = IgnoreIndex.ToScalar();

    /// <summary>
    /// The summed loss over the trained labels of a batch (not the mean), so that gradient accumulation can divide by
    /// the label count of the whole accumulated batch rather than averaging per micro-batch. The caller counts the
    /// labels on the host, where they came from, so no device sync is spent on it.
    /// </summary>
    public static Tensor Sum(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32), ShiftedLabels(labels),
            ignore_index: IgnoreIndex, reduction: nn.Reduction.Sum).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same sum from the final hidden states [batch, seq, hidden] of <paramref name="model"/>: when its head is a
    /// plain matrix and gradients are wanted, head and loss run fused in chunks (<see cref="FusedLinearCrossEntropy"/>)
    /// and the full logits never exist; otherwise the head is applied and <see cref="Sum(Tensor, Tensor)"/> taken.
    /// </summary>
    public static Tensor Sum(LlamaForCausalLM model, Tensor hidden, Tensor labels)
    {
        using var scope = NewDisposeScope();
        if (model.HeadWeight is not { } weight || !(hidden.requires_grad || weight.requires_grad) || !is_grad_enabled())
            return Sum(model.Logits(hidden), labels).MoveToOuterDisposeScope();
        return FusedLinearCrossEntropy.Run(hidden.reshape(-1, hidden.shape[^1]), weight, ShiftedLabels(labels)).MoveToOuterDisposeScope();
    }

    // Shift the labels left (the last position predicts nothing) rather than cut the logits: a cut [B, T−1, V] view
    // is not contiguous, and flattening it would copy the largest tensor of the step.
    private static Tensor ShiftedLabels(Tensor labels) =>
        cat([labels.narrow(1, 1, labels.shape[1] - 1), full(labels.shape[0], 1, Ignored, ScalarType.Int64, labels.device)], 1).reshape(-1);
}
