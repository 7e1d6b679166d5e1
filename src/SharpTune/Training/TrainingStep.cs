using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>The optimizer a run config asks for, and the end of every training step: clip the gradients, step, zero them.</summary>
public static class TrainingStep
{
    /// <summary>AdamW or SGD over <paramref name="trainable"/>, with the config's hyperparameters.</summary>
    public static IOptimizer CreateOptimizer(TrainConfig config, IReadOnlyList<TrainableParameter> trainable) =>
        config.Optimizer == "sgd"
            ? new Sgd(trainable, config.SgdMomentum, config.WeightDecay)
            : new AdamW(trainable, config.WeightDecay, config.AdamBeta1, config.AdamBeta2, config.AdamEpsilon);

    /// <summary>Clips the global gradient norm to <paramref name="maxGradNorm"/> (0: no clipping), steps at <paramref name="lr"/> and zeroes the gradients; returns the norm before clipping.</summary>
    public static double Apply(IOptimizer optimizer, double maxGradNorm, double lr)
    {
        double gradNorm;
        using (NewDisposeScope())
        {
            var grads = optimizer.Parameters.Select(p => p.Value).ToList();
            gradNorm = maxGradNorm > 0 ? nn.utils.clip_grad_norm_(grads, maxGradNorm) : GradientNorm(grads);
        }
        optimizer.Step(lr);
        optimizer.ZeroGrad();
        return gradNorm;
    }

    /// <summary>The order of <paramref name="count"/> training items in epoch <paramref name="epoch"/>: a shuffle seeded by the run's seed and the epoch, so a resumed run sees the same order.</summary>
    public static int[] EpochOrder(int count, long seed, long epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random((int)((seed * 1_000_003 + epoch) & int.MaxValue)).Shuffle(order);
        return order;
    }

    private static double GradientNorm(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        double squares = 0;
        foreach (var p in parameters)
            if (p.grad is { } g) squares += g.to(ScalarType.Float64).pow(2).sum().item<double>();
        return Math.Sqrt(squares);
    }
}
