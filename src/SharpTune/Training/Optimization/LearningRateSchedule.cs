namespace SharpTune.Training.Optimization;

/// <summary>
/// The learning rate at each optimizer step, as transformers' <c>get_scheduler</c> computes it: a linear warmup
/// from 0 over <see cref="WarmupSteps"/>, then constant, linear decay to 0, or a half-cosine to 0 at
/// <see cref="TotalSteps"/>. Step s (0-based) is the s-th optimizer update.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>The names the config's <c>lr_scheduler</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["constant", "linear", "cosine"];

    /// <summary>Creates a schedule; <paramref name="kind"/> is one of <see cref="Kinds"/>.</summary>
    public LearningRateSchedule(string kind, double peak, long totalSteps, long warmupSteps)
    {
        if (!Kinds.Contains(kind)) throw new ArgumentException($"unknown schedule '{kind}'", nameof(kind));
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), "must be at least 1");
        if (warmupSteps < 0 || warmupSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(warmupSteps), "must lie in [0, total steps]");
        (Kind, Peak, TotalSteps, WarmupSteps) = (kind, peak, totalSteps, warmupSteps);
    }

    /// <summary>constant, linear or cosine.</summary>
    public string Kind { get; }

    /// <summary>The learning rate after warmup.</summary>
    public double Peak { get; }

    /// <summary>Optimizer steps in the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps of linear warmup from 0.</summary>
    public long WarmupSteps { get; }

    /// <summary>The learning rate for the 0-based optimizer step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return Peak * step / Math.Max(1, WarmupSteps);
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            "linear" => Peak * Math.Max(0.0, 1.0 - progress),
            "cosine" => Peak * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            _ => Peak,
        };
    }
}
