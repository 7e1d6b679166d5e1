using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A value head for PPO: a linear layer hidden → 1 with bias on every position's hidden state, estimating the return
/// from that token on (named as TRL's <c>v_head.summary</c>). It reads the policy's own hidden states.
/// </summary>
public sealed class ValueHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear summary;

    /// <summary>A head for hidden states of width <paramref name="hiddenSize"/>, weights ~ N(0, <paramref name="initializerRange"/>) from <paramref name="seed"/>, bias 0.</summary>
    public ValueHead(long hiddenSize, double initializerRange, long seed, Device? device = null) : base(nameof(ValueHead))
    {
        summary = nn.Linear(hiddenSize, 1, hasBias: true, device: device, dtype: ScalarType.Float32);
        register_module("summary", summary);
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        using var values = normal(0.0, initializerRange, summary.weight!.shape, ScalarType.Float32, generator: generator);
        summary.weight!.copy_(values);
        summary.bias!.zero_();
    }

    /// <summary>Values [batch, seq] of hidden states [batch, seq, hidden] (computed in float32).</summary>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return summary.forward(hidden.to(ScalarType.Float32)).squeeze(-1).MoveToOuterDisposeScope();
    }
}
