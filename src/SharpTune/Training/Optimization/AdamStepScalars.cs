using TorchSharp;

namespace SharpTune.Training.Optimization;

/// <summary>
/// The scalar factors of one Adam-family step, made once per step and shared by every parameter's update.
/// They are held and disposed explicitly: a TorchSharp <see cref="Scalar"/> made implicitly from a double inside a call
/// is owned by nothing, so the finalizer may free it while libtorch still reads it (seen as "Unknown scalar type"
/// under load); these live until the step ends.
/// </summary>
internal sealed class AdamStepScalars : IDisposable
{
    /// <summary>Makes the factors for step <paramref name="step"/> (counting from 1) at <paramref name="learningRate"/>.</summary>
    public AdamStepScalars(AdamHyperparameters hyper, double learningRate, long step)
    {
        double biasCorrection1 = 1 - Math.Pow(hyper.Beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(hyper.Beta2, step));
        Decays = hyper.WeightDecay != 0;
        DecayFactor = (1 - learningRate * hyper.WeightDecay).ToScalar();
        FirstWeight = torch.tensor(1 - hyper.Beta1, dtype: torch.ScalarType.Float32).DetachFromDisposeScope();
        Beta2 = hyper.Beta2.ToScalar();
        SecondWeight = (1 - hyper.Beta2).ToScalar();
        BiasCorrection2Sqrt = biasCorrection2Sqrt.ToScalar();
        Epsilon = hyper.Epsilon.ToScalar();
        StepSize = (-learningRate / biasCorrection1).ToScalar();
    }

    /// <summary>Whether weight decay applies at all.</summary>
    public bool Decays { get; }
    /// <summary>1 − lr·λ, the decoupled weight decay factor.</summary>
    public Scalar DecayFactor { get; }
    /// <summary>1 − β₁, the first moment's weight on the new gradient (a 0-dimensional tensor: <c>lerp_</c> takes no Scalar).</summary>
    public torch.Tensor FirstWeight { get; }
    /// <summary>β₂.</summary>
    public Scalar Beta2 { get; }
    /// <summary>1 − β₂.</summary>
    public Scalar SecondWeight { get; }
    /// <summary>√(1 − β₂ᵗ).</summary>
    public Scalar BiasCorrection2Sqrt { get; }
    /// <summary>ε.</summary>
    public Scalar Epsilon { get; }
    /// <summary>−lr / (1 − β₁ᵗ).</summary>
    public Scalar StepSize { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        FirstWeight.Dispose();
        foreach (var s in new[] { DecayFactor, Beta2, SecondWeight, BiasCorrection2Sqrt, Epsilon, StepSize }) s.Dispose();
    }
}
