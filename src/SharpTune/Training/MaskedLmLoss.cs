using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Masked-LM cross-entropy: the logits at each masked position predict its original token (no shift); labels of -100 are not scored.</summary>
public static class MaskedLmLoss
{
    /// <summary>The summed loss over the labelled positions of <paramref name="logits"/> [rows, length, vocab] (the caller divides by their count).</summary>
    public static Tensor Sum(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32), labels.reshape(-1),
            ignore_index: CausalLmLoss.IgnoreIndex, reduction: nn.Reduction.Sum).MoveToOuterDisposeScope();
    }
}
