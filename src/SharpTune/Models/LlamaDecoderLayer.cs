using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly LlamaAttention selfAttention;
    private readonly LlamaMlp mlp;
    private readonly RmsNorm inputNorm;
    private readonly RmsNorm postAttentionNorm;

    /// <summary>Creates layer <paramref name="index"/> of <paramref name="config"/>.</summary>
    public LlamaDecoderLayer(ModelConfig config, int index, Device device, ScalarType dtype) : base(nameof(LlamaDecoderLayer))
    {
        selfAttention = new LlamaAttention(config, index, device, dtype);
        mlp = new LlamaMlp(config, device, dtype);
        inputNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        postAttentionNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        register_module("self_attn", selfAttention);
        register_module("mlp", mlp);
        register_module("input_layernorm", inputNorm);
        register_module("post_attention_layernorm", postAttentionNorm);
    }

    /// <summary>Applies the block to <paramref name="x"/> [batch, seq, hidden]; <paramref name="prefix"/>: keys and values attended before the input's (see <see cref="LlamaAttention.Forward"/>).</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool isCausal, KvCache? cache, (Tensor Key, Tensor Value)? prefix = null)
    {
        using var scope = NewDisposeScope();
        var h = x + selfAttention.Forward(inputNorm.forward(x), cos, sin, mask, isCausal, cache, prefix);
        return (h + mlp.Forward(postAttentionNorm.forward(h))).MoveToOuterDisposeScope();
    }
}
