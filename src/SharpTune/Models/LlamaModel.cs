using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>The decoder trunk: token embeddings, the stack of layers, and the final norm (transformers' <c>model.*</c>).</summary>
public sealed class LlamaModel : nn.Module
{
    private readonly ModelConfig config;
    private readonly Embedding embedTokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly RotaryEmbedding rotary;

    /// <summary>Creates the trunk for <paramref name="config"/> with parameters on <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    public LlamaModel(ModelConfig config, Device device, ScalarType dtype) : base(nameof(LlamaModel))
    {
        this.config = config;
        embedTokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        layers = new ModuleList<LlamaDecoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++) layers.Add(new LlamaDecoderLayer(config, i, device, dtype));
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        rotary = new RotaryEmbedding(config);
        register_module("embed_tokens", embedTokens);
        register_module("layers", layers);
        register_module("norm", norm);
    }

    /// <summary>The input embedding table [vocab, hidden].</summary>
    public Embedding EmbedTokens => embedTokens;

    /// <summary>The decoder layers in order.</summary>
    public IReadOnlyList<LlamaDecoderLayer> Layers => [.. layers];

    /// <summary>
    /// Recompute each layer's activations in the backward pass instead of keeping them (gradient checkpointing):
    /// less memory for one more forward pass. Applies only while gradients are being recorded.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>The rotary tables' source.</summary>
    public RotaryEmbedding Rotary => rotary;

    /// <summary>
    /// Final hidden states [batch, seq, hidden] for <paramref name="inputIds"/> [batch, seq].
    /// </summary>
    /// <param name="inputIds">Token ids, int64.</param>
    /// <param name="attentionMask">[batch, past + seq]: 0 for padding, else the sample index of a packed row (1 when unpacked); null when there is none.</param>
    /// <param name="positionIds">[batch, seq]; by default past, past+1, …</param>
    /// <param name="cache">Past keys/values, appended to and advanced; null to attend within the input only.</param>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], seq = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        var device = inputIds.device;
        positionIds ??= arange(past, past + seq, device: device).unsqueeze(0).expand(batch, seq);
        var (mask, isCausal) = AttentionMask.Build(attentionMask, seq, past, config.SlidingWindow, device);
        var h = embedTokens.forward(inputIds);
        var (cos, sin) = rotary.Tables(positionIds, h.dtype);
        if (GradientCheckpointing && cache is null && is_grad_enabled())
        {
            // The recomputed layers' parameters get gradients only if the checkpoint's input records them,
            // which frozen embeddings (LoRA) would not.
            if (!h.requires_grad) h = h.detach().requires_grad_(true);
            // The backward pass runs after this scope ends, so what the layers read must outlive it.
            cos.DetachFromDisposeScope();
            sin.DetachFromDisposeScope();
            mask?.DetachFromDisposeScope();
            foreach (var layer in layers) h = ActivationCheckpoint.Run(h, x => layer.Forward(x, cos, sin, mask, isCausal, null));
        }
        else
        {
            foreach (var layer in layers) h = layer.Forward(h, cos, sin, mask, isCausal, cache);
        }
        cache?.Advance(seq);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
