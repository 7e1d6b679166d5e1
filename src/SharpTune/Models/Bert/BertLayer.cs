using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertLayer: post-LN self-attention, then the post-LN feed-forward block.</summary>
public sealed class BertLayer : nn.Module
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualOutput output;

    /// <summary>Creates one encoder layer for <paramref name="config"/>.</summary>
    public BertLayer(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config, device, dtype);
        intermediate = new BertIntermediate(config, device, dtype);
        output = new BertResidualOutput(config, config.IntermediateSize, device, dtype);
        RegisterComponents();
    }

    /// <summary>The layer's output for <paramref name="hidden"/> under <paramref name="mask"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.Forward(hidden, mask);
        return output.Forward(intermediate.Forward(attended), attended).MoveToOuterDisposeScope();
    }
}
