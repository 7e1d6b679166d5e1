using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as torch.optim.AdamW computes it: decay
/// multiplies the weight by (1 − lr·λ) before the bias-corrected Adam update. State is kept in float32.
/// Paged (bitsandbytes' <c>paged_adamw_32bit</c>), the state lives in host memory and each parameter's moments are
/// brought to its device for its own update and written back, so the device holds one tensor's state at a time.
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly AdamHyperparameters hyper;
    private readonly Tensor[] expAvg, expAvgSq;
    private readonly bool paged;
    private long step;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>; <paramref name="paged"/> keeps the state in host memory.</summary>
    public AdamW(IReadOnlyList<TrainableParameter> parameters, double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, bool paged = false)
    {
        Parameters = parameters;
        hyper = new AdamHyperparameters(beta1, beta2, epsilon, weightDecay);
        this.paged = paged;
        expAvg = parameters.Select(p => PagedState.Zeros(p.Value, ScalarType.Float32, paged)).ToArray();
        expAvgSq = parameters.Select(p => PagedState.Zeros(p.Value, ScalarType.Float32, paged)).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<TrainableParameter> Parameters { get; }

    /// <inheritdoc/>
    public void Step(double learningRate)
    {
        step++;
        using var factors = new AdamStepScalars(hyper, learningRate, step);
        ForEachGradient(Parameters, (i, p, g) => UpdateStored(p, g, expAvg[i], expAvgSq[i], factors));
    }

    /// <summary>
    /// The loop of an Adam-family step: without autograd, calls <paramref name="update"/> with the index, the parameter
    /// and its gradient in float32 for each parameter that has a gradient, each inside its own dispose scope.
    /// </summary>
    internal static void ForEachGradient(IReadOnlyList<TrainableParameter> parameters, Action<int, TrainableParameter, Tensor> update)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p.Value.grad is not { } grad) continue;
            using var scope = NewDisposeScope();
            update(i, p, grad.to(ScalarType.Float32));
        }
    }

    /// <summary><see cref="Update"/> on moments stored where <see cref="PagedState"/> put them: brought to the parameter's device and written back.</summary>
    internal static void UpdateStored(TrainableParameter p, Tensor g, Tensor storedM, Tensor storedV, AdamStepScalars factors)
    {
        var m = PagedState.Bring(storedM, p.Value.device);
        var v = PagedState.Bring(storedV, p.Value.device);
        Update(p, g, m, v, factors);
        PagedState.Return(storedM, m);
        PagedState.Return(storedV, v);
    }

    /// <summary>
    /// One AdamW update of <paramref name="p"/> from gradient <paramref name="g"/> (float32), advancing the float32
    /// moments <paramref name="m"/> and <paramref name="v"/> in place, with the step's <paramref name="factors"/>.
    /// </summary>
    internal static void Update(TrainableParameter p, Tensor g, Tensor m, Tensor v, AdamStepScalars factors)
    {
        if (p.Decay && factors.Decays) p.Value.mul_(factors.DecayFactor);
        m.lerp_(g, factors.FirstWeight);
        v.mul_(factors.Beta2).addcmul_(g, g, factors.SecondWeight);
        var denom = v.sqrt().div_(factors.BiasCorrection2Sqrt).add_(factors.Epsilon);
        var update = m.div(denom).mul_(factors.StepSize);
        p.Value.add_(update.to(p.Value.dtype));
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

    /// <summary>Whether the state lives in host memory.</summary>
    public bool Paged => paged;
}
