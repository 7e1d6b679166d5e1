using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>
/// transformers' BertSelfOutput and BertOutput (the same shape): a dense projection, dropout, the residual added,
/// then LayerNorm — BERT's post-LN sublayer ending.
/// </summary>
public sealed class BertResidualOutput : nn.Module
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly double dropout;

    /// <summary>Creates the sublayer ending from <paramref name="inFeatures"/> back to hidden_size.</summary>
    public BertResidualOutput(BertConfig config, long inFeatures, Device device, ScalarType dtype) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inFeatures, config.HiddenSize, device: device, dtype: dtype);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        dropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <summary>LayerNorm(dropout(dense(<paramref name="x"/>)) + <paramref name="residual"/>).</summary>
    public Tensor Forward(Tensor x, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.forward(nn.functional.dropout(dense.forward(x), dropout, training) + residual).MoveToOuterDisposeScope();
    }
}
