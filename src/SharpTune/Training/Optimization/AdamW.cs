using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as torch.optim.AdamW computes it: decay
/// multiplies the weight by (1 − lr·λ) before the bias-corrected Adam update. State is kept in float32.
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly double beta1, beta2, epsilon, weightDecay;
    private readonly Tensor[] expAvg, expAvgSq;
    private long step;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public AdamW(IReadOnlyList<TrainableParameter> parameters, double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        Parameters = parameters;
        (this.beta1, this.beta2, this.epsilon, this.weightDecay) = (beta1, beta2, epsilon, weightDecay);
        expAvg = parameters.Select(p => zeros_like(p.Value, dtype: ScalarType.Float32).DetachFromDisposeScope()).ToArray();
        expAvgSq = parameters.Select(p => zeros_like(p.Value, dtype: ScalarType.Float32).DetachFromDisposeScope()).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<TrainableParameter> Parameters { get; }

    /// <inheritdoc/>
    public void Step(double learningRate)
    {
        step++;
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Value.grad is not { } grad) continue;
            var g = grad.to(ScalarType.Float32);
            if (p.Decay && weightDecay != 0) p.Value.mul_(1 - learningRate * weightDecay);
            expAvg[i].lerp_(g, 1 - beta1);
            expAvgSq[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
            var denom = expAvgSq[i].sqrt().div_(biasCorrection2Sqrt).add_(epsilon);
            var update = expAvg[i].div(denom).mul_(-learningRate / biasCorrection1);
            p.Value.add_(update.to(p.Value.dtype));
        }
    }

    /// <inheritdoc/>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Value.grad?.zero_();
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor> { ["step"] = tensor(step) };
        for (int i = 0; i < Parameters.Count; i++)
        {
            state[Parameters[i].Name + ".exp_avg"] = expAvg[i];
            state[Parameters[i].Name + ".exp_avg_sq"] = expAvgSq[i];
        }
        return state;
    }

    /// <inheritdoc/>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        step = OptimizerState.Scalar(state, "step", source);
        for (int i = 0; i < Parameters.Count; i++)
        {
            OptimizerState.CopyInto(state, Parameters[i].Name + ".exp_avg", expAvg[i], source);
            OptimizerState.CopyInto(state, Parameters[i].Name + ".exp_avg_sq", expAvgSq[i], source);
        }
    }
}
