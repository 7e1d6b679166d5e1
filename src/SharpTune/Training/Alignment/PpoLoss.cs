using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// PPO's clipped surrogate losses (Schulman et al., 2017, as TRL's PPOTrainer applies them to tokens), averaged over
/// the masked response tokens.
/// </summary>
public static class PpoLoss
{
    /// <summary>
    /// The policy loss mean(max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε))) with ρ = exp(log π − log π_old), and the clip fraction
    /// (share of tokens where the clipped term was the larger one).
    /// </summary>
    public static (Tensor Loss, double ClipFraction) Policy(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask, double clipRange)
    {
        using var scope = NewDisposeScope();
        var ratio = (logProbs - oldLogProbs).exp();
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.clamp(1 - clipRange, 1 + clipRange);
        var loss = MaskedMean(maximum(unclipped, clipped), mask);
        double clipFraction = MaskedMean(clipped.gt(unclipped).to(ScalarType.Float32), mask).item<float>();
        return (loss.MoveToOuterDisposeScope(), clipFraction);
    }

    /// <summary>The value loss ½·mean(max((V − R)², (V_clip − R)²)) with V_clip = V_old + clip(V − V_old, −c, c).</summary>
    public static Tensor Value(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double clipRange)
    {
        using var scope = NewDisposeScope();
        var clippedValues = oldValues + (values - oldValues).clamp(-clipRange, clipRange);
        var loss = 0.5 * MaskedMean(maximum((values - returns).pow(2), (clippedValues - returns).pow(2)), mask);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The mean of <paramref name="values"/> where <paramref name="mask"/> is 1.</summary>
    public static Tensor MaskedMean(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return ((values * mask).sum() / mask.sum().clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Advantages whitened over the masked tokens (zero mean, unit variance), as PPO implementations do per batch.</summary>
    public static Tensor Whiten(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var mean = MaskedMean(values, mask);
        var variance = MaskedMean((values - mean).pow(2), mask);
        return ((values - mean) * (variance + 1e-8).rsqrt() * mask).MoveToOuterDisposeScope();
    }
}
