using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertIntermediate: the feed-forward layer's widening projection and GELU (the exact, erf form).</summary>
public sealed class BertIntermediate : nn.Module
{
    private readonly Linear dense;

    /// <summary>Creates the projection hidden_size → intermediate_size.</summary>
    public BertIntermediate(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>GELU(dense(<paramref name="hidden"/>)).</summary>
    public Tensor Forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(dense.forward(hidden)).MoveToOuterDisposeScope();
    }
}
