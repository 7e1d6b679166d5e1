using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertPredictionHeadTransform: dense, GELU, LayerNorm before the MLM decoder.</summary>
public sealed class BertPredictionHeadTransform : nn.Module
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;

    /// <summary>Creates the transform for <paramref name="config"/>.</summary>
    public BertPredictionHeadTransform(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertPredictionHeadTransform))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>LayerNorm(GELU(dense(<paramref name="hidden"/>))).</summary>
    public Tensor Forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.forward(nn.functional.gelu(dense.forward(hidden))).MoveToOuterDisposeScope();
    }
}
