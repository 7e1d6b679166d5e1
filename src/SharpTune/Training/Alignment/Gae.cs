using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// Generalised advantage estimation (Schulman et al., 2016) over a batch of responses:
/// δ_t = r_t + γ·V_{t+1} − V_t, A_t = δ_t + γλ·A_{t+1}, and the returns A_t + V_t that the value head learns.
/// Positions where the mask is 0 (after a response ended) have no value and no advantage.
/// </summary>
public static class Gae
{
    /// <summary>Advantages and returns [batch, steps] (detached) from per-step rewards, values and a 1/0 mask of real steps.</summary>
    public static (Tensor Advantages, Tensor Returns) Compute(Tensor rewards, Tensor values, Tensor mask, double gamma, double lambda)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        rewards = rewards.to(ScalarType.Float32) * mask;
        values = values.to(ScalarType.Float32) * mask;
        long steps = rewards.shape[1];
        var next = zeros(rewards.shape[0], dtype: ScalarType.Float32, device: rewards.device);
        var nextValue = zeros_like(next);
        var columns = new Tensor[steps];
        for (long t = steps - 1; t >= 0; t--)
        {
            var delta = rewards[.., t] + gamma * nextValue - values[.., t];
            next = (delta + gamma * lambda * next) * mask[.., t];
            nextValue = values[.., t];
            columns[t] = next;
        }
        var advantages = stack(columns, 1);
        var returns = advantages + values;
        return (advantages.MoveToOuterDisposeScope(), returns.MoveToOuterDisposeScope());
    }
}
