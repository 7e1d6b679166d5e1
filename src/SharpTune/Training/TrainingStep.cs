using SharpTune.Training.Optimization;

namespace SharpTune.Training;

/// <summary>The end of every training step: clip the gradients, step, zero them.</summary>
public static class TrainingStep
{
    /// <summary>Clips the global gradient norm to <paramref name="maxGradNorm"/> (0: no clipping), steps at <paramref name="lr"/> and zeroes the gradients; returns the norm before clipping.</summary>
    public static double Apply(IOptimizer optimizer, double maxGradNorm, double lr)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        double gradNorm = GradientClipping.Apply(optimizer.Parameters.Select(p => p.Value), maxGradNorm);
        optimizer.Step(lr);
        optimizer.ZeroGrad();
        return gradNorm;
    }
}
