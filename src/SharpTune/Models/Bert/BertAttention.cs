using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertAttention: self-attention (<c>self</c>) and its residual ending (<c>output</c>).</summary>
public sealed class BertAttention : nn.Module
{
    private readonly BertSelfAttention self;
    private readonly BertResidualOutput output;

    /// <summary>Creates the attention block for <paramref name="config"/>.</summary>
    public BertAttention(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config, device, dtype);
        output = new BertResidualOutput(config, config.HiddenSize, device, dtype);
        RegisterComponents();
    }

    /// <summary>The block's output for <paramref name="hidden"/>; see <see cref="BertSelfAttention.Forward"/> for <paramref name="mask"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        return output.Forward(self.Forward(hidden, mask), hidden).MoveToOuterDisposeScope();
    }
}
