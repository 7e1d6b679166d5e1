using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Multi-head self-attention with grouped-query key/value heads and rotary positions, computed by
/// torch's scaled_dot_product_attention.
/// </summary>
public sealed class LlamaAttention : DecoderModule
{
    private readonly ModelConfig config;
    private readonly int layerIndex;

    /// <summary>Creates q_proj, k_proj, v_proj and o_proj for layer <paramref name="layerIndex"/> of <paramref name="config"/>.</summary>
    public LlamaAttention(ModelConfig config, int layerIndex, Device device, ScalarType dtype) : base(nameof(LlamaAttention))
    {
        this.config = config;
        this.layerIndex = layerIndex;
        long qWidth = config.NumAttentionHeads * config.HeadDim;
        long kvWidth = config.NumKeyValueHeads * config.HeadDim;
        AddLinear("q_proj", config.HiddenSize, qWidth, config.QkvBias, device, dtype);
        AddLinear("k_proj", config.HiddenSize, kvWidth, config.QkvBias, device, dtype);
        AddLinear("v_proj", config.HiddenSize, kvWidth, config.QkvBias, device, dtype);
        AddLinear("o_proj", qWidth, config.HiddenSize, config.OutputBias, device, dtype);
    }

    /// <summary>
    /// Attends from <paramref name="x"/> [batch, seq, hidden] over the cached and current positions, after
    /// <paramref name="prefix"/>'s keys and values ([batch, kv_heads, n, head_dim], used unrotated) when one is given.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool isCausal, KvCache? cache, (Tensor Key, Tensor Value)? prefix = null)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1], headDim = config.HeadDim;
        var q = Project("q_proj", x).view(batch, seq, config.NumAttentionHeads, headDim).transpose(1, 2);
        var k = Project("k_proj", x).view(batch, seq, config.NumKeyValueHeads, headDim).transpose(1, 2);
        var v = Project("v_proj", x).view(batch, seq, config.NumKeyValueHeads, headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (prefix is { } p) (k, v) = (cat([p.Key.to(k.dtype), k], 2), cat([p.Value.to(v.dtype), v], 2));
        if (cache is not null) (k, v) = cache.Append(layerIndex, k, v);
        k = RepeatKeyValueHeads(k, config.KeyValueGroups);
        v = RepeatKeyValueHeads(v, config.KeyValueGroups);
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, isCausal);
        var merged = attended.transpose(1, 2).reshape(batch, seq, config.NumAttentionHeads * headDim);
        return Project("o_proj", merged).MoveToOuterDisposeScope();
    }

    /// <summary>Expands [batch, kv_heads, seq, dim] to [batch, kv_heads·groups, seq, dim], each kv head serving <paramref name="groups"/> query heads.</summary>
    public static Tensor RepeatKeyValueHeads(Tensor kv, long groups)
    {
        if (groups == 1) return kv;
        long b = kv.shape[0], h = kv.shape[1], s = kv.shape[2], d = kv.shape[3];
        return kv.unsqueeze(2).expand(b, h, groups, s, d).reshape(b, h * groups, s, d);
    }
}
