using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>The SwiGLU feed-forward block: down_proj(silu(gate_proj(x)) * up_proj(x)).</summary>
public sealed class LlamaMlp : DecoderModule
{
    /// <summary>Creates gate_proj, up_proj and down_proj for <paramref name="config"/>.</summary>
    public LlamaMlp(ModelConfig config, Device device, ScalarType dtype) : base(nameof(LlamaMlp))
    {
        AddLinear("gate_proj", config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        AddLinear("up_proj", config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        AddLinear("down_proj", config.IntermediateSize, config.HiddenSize, config.MlpBias, device, dtype);
    }

    /// <summary>Applies the block to <paramref name="x"/> [batch, seq, hidden].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(Project("gate_proj", x)) * Project("up_proj", x);
        return Project("down_proj", gated).MoveToOuterDisposeScope();
    }
}
