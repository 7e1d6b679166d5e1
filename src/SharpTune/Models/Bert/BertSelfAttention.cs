using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertSelfAttention: query, key and value projections and bidirectional multi-head attention.</summary>
public sealed class BertSelfAttention : nn.Module
{
    private readonly Linear query, key, value;
    private readonly long heads, headDim;
    private readonly double dropout;

    /// <summary>Creates the projections for <paramref name="config"/>.</summary>
    public BertSelfAttention(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        key = nn.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        value = nn.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        dropout = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <summary>The attended values [batch, seq, hidden]; <paramref name="mask"/> [batch, 1, 1, seq] is true where a key may be attended (null: all).</summary>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], seq = hidden.shape[1];
        Tensor Heads(Linear projection) => projection.forward(hidden).view(batch, seq, heads, headDim).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Heads(query), Heads(key), Heads(value), mask, training ? dropout : 0.0, false);
        return attended.transpose(1, 2).reshape(batch, seq, heads * headDim).MoveToOuterDisposeScope();
    }
}
