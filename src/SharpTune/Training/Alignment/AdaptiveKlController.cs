namespace SharpTune.Training.Alignment;

/// <summary>
/// The KL coefficient of PPO's penalty: fixed, or adapted towards a target KL (Ziegler et al., 2019):
/// after each batch, β ← β·(1 + clip(KL/target − 1, −0.2, 0.2)·n/horizon), with n the rollouts of the batch.
/// </summary>
/// <param name="initial">The starting coefficient (<c>kl_coef</c>).</param>
/// <param name="target">The KL to steer towards (<c>kl_target</c>); null keeps the coefficient fixed.</param>
/// <param name="horizon">How many rollouts the adaptation spreads over (<c>kl_horizon</c>).</param>
public sealed class AdaptiveKlController(double initial, double? target, double horizon)
{
    /// <summary>The coefficient now.</summary>
    public double Value { get; set; } = initial;

    /// <summary>Moves the coefficient after a batch of <paramref name="rollouts"/> whose mean KL was <paramref name="kl"/>.</summary>
    public void Update(double kl, int rollouts)
    {
        if (target is not { } t || !double.IsFinite(kl)) return;
        double error = Math.Clamp(kl / t - 1, -0.2, 0.2);
        Value *= 1 + error * rollouts / horizon;
    }
}
