using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// Per-token estimates of KL(π ‖ π_ref) from the log-probabilities of sampled tokens (Schulman's "Approximating KL
/// divergence"): k1 = log π − log π_ref (unbiased, what the PPO penalty uses) and k3 = (r − 1) − log r with
/// r = π_ref / π (unbiased and never negative, for reporting).
/// </summary>
public static class KlEstimate
{
    /// <summary>k1 per token.</summary>
    public static Tensor K1(Tensor logProbs, Tensor referenceLogProbs) => logProbs - referenceLogProbs;

    /// <summary>k3 per token.</summary>
    public static Tensor K3(Tensor logProbs, Tensor referenceLogProbs)
    {
        using var scope = NewDisposeScope();
        var logRatio = referenceLogProbs - logProbs;
        return (logRatio.exp() - 1 - logRatio).MoveToOuterDisposeScope();
    }

    /// <summary>The per-sequence KL (the estimate summed over each response's masked tokens), averaged over the batch.</summary>
    public static double PerSequence(Tensor perToken, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return (perToken * mask).sum(-1).mean().item<float>();
    }
}
