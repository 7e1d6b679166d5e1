using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>
/// Stochastic gradient descent with optional momentum and weight decay, as torch.optim.SGD computes it
/// (weight decay added to the gradient; the momentum buffer starts as the first gradient).
/// </summary>
public sealed class Sgd : IOptimizer
{
    private readonly double momentum, weightDecay;
    private readonly Tensor?[] buffers;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Sgd(IReadOnlyList<TrainableParameter> parameters, double momentum = 0.9, double weightDecay = 0.0)
    {
        Parameters = parameters;
        (this.momentum, this.weightDecay) = (momentum, weightDecay);
        buffers = new Tensor?[parameters.Count];
    }

    /// <inheritdoc/>
    public IReadOnlyList<TrainableParameter> Parameters { get; }

    /// <inheritdoc/>
    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Held scalars, not implicit ones: see AdamStepScalars for why.
        using var decay = weightDecay.ToScalar();
        using var keep = momentum.ToScalar();
        using var stepSize = (-learningRate).ToScalar();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Value.grad is not { } grad) continue;
            var g = grad.to(ScalarType.Float32);
            if (p.Decay && weightDecay != 0) g = g.add(p.Value.to(ScalarType.Float32), alpha: decay);
            if (momentum != 0)
            {
                if (buffers[i] is { } buffer) buffer.mul_(keep).add_(g);
                else buffers[i] = g.clone().DetachFromDisposeScope();
                g = buffers[i]!;
            }
            p.Value.add_(g.mul(stepSize).to(p.Value.dtype));
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
        var state = new Dictionary<string, Tensor>();
        for (int i = 0; i < Parameters.Count; i++)
            if (buffers[i] is { } buffer) state[Parameters[i].Name + ".momentum_buffer"] = buffer;
        return state;
    }

    /// <inheritdoc/>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            string key = Parameters[i].Name + ".momentum_buffer";
            if (!state.ContainsKey(key)) { buffers[i] = null; continue; }
            buffers[i] ??= zeros_like(Parameters[i].Value, dtype: ScalarType.Float32).DetachFromDisposeScope();
            OptimizerState.CopyInto(state, key, buffers[i]!, source);
        }
    }
}
