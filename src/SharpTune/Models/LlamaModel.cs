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

    /// <summary>The submodule name of attached virtual tokens (peft's <c>prompt_encoder</c>).</summary>
    public const string VirtualTokensName = "prompt_encoder";

    /// <summary>The virtual tokens placed before every sequence (prompt-based tuning), or null; see <see cref="AttachVirtualTokens"/>.</summary>
    public VirtualTokens? VirtualTokens { get; private set; }

    /// <summary>
    /// Places <paramref name="tokens"/> before every sequence from now on; their parameters become this module's
    /// (under <see cref="VirtualTokensName"/>). Forward's outputs still cover only the real tokens.
    /// </summary>
    /// <exception cref="InvalidOperationException">Virtual tokens are already attached.</exception>
    public void AttachVirtualTokens(VirtualTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (VirtualTokens is not null) throw new InvalidOperationException("virtual tokens are already attached to this model");
        VirtualTokens = tokens;
        register_module(VirtualTokensName, tokens);
    }

    /// <summary>
    /// Final hidden states [batch, seq, hidden] for <paramref name="inputIds"/> [batch, seq] — of the real tokens
    /// only when <see cref="VirtualTokens"/> precede them.
    /// </summary>
    /// <param name="inputIds">Token ids, int64.</param>
    /// <param name="attentionMask">[batch, past + seq] over the real tokens: 0 for padding, else the sample index of a packed row (1 when unpacked); null when there is none.</param>
    /// <param name="positionIds">[batch, seq] of the real tokens; by default past, past+1, … (virtual tokens shift them by their count).</param>
    /// <param name="cache">Past keys/values, appended to and advanced; null to attend within the input only. With virtual
    /// tokens, the first pass over an empty cache stores them first, so its length counts them.</param>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], seq = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        var device = inputIds.device;
        var h = embedTokens.forward(inputIds);

        // Virtual tokens (prompt methods) come first, as in peft: the real tokens are numbered after them (peft drops
        // position_ids and transformers counts from the prompt's end) and attend to them (peft prepends ones to the
        // attention mask; here the shared segment, so that every sample of a packed row sees them).
        long virtualCount = VirtualTokens?.Count ?? 0;
        bool virtualEnter = VirtualTokens is not null && past == 0;
        long realPast = past == 0 ? 0 : past - virtualCount;
        positionIds ??= arange(realPast, realPast + seq, device: device).unsqueeze(0).expand(batch, seq);
        if (virtualCount > 0)
        {
            positionIds = positionIds + virtualCount;
            if (attentionMask is not null)
                attentionMask = cat([full(batch, virtualCount, AttentionMask.SharedSegment, ScalarType.Int64, device: device), attentionMask.to(ScalarType.Int64).to(device)], 1);
        }
        long prepended = 0;
        IReadOnlyList<(Tensor Key, Tensor Value)>? prefix = null;
        if (virtualEnter)
        {
            if (VirtualTokens!.InputEmbeddings(batch) is { } prompt)
            {
                h = cat([prompt.to(h.dtype), h], 1);
                positionIds = cat([arange(0, virtualCount, device: device).unsqueeze(0).expand(batch, virtualCount), positionIds], 1);
                prepended = virtualCount;
            }
            else if (VirtualTokens.KeyValuePrefix(batch) is { } kv)
            {
                if (cache is null) prefix = kv;
                else
                {
                    // Pre-filled once, like past positions: later steps append after it and never move it.
                    for (int i = 0; i < kv.Count; i++) cache.Append(i, kv[i].Key, kv[i].Value);
                    cache.Advance(virtualCount);
                    past = virtualCount;
                }
            }
        }
        // A prefix outside a cache is attended like past positions.
        var (mask, isCausal) = AttentionMask.Build(attentionMask, prepended + seq, prefix is null ? past : virtualCount, config.SlidingWindow, device);
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
            if (prefix is not null)
                foreach (var (k, v) in prefix) { k.DetachFromDisposeScope(); v.DetachFromDisposeScope(); }
            for (int i = 0; i < layers.Count; i++)
            {
                var layer = layers[i];
                (Tensor, Tensor)? layerPrefix = prefix?[i];
                h = ActivationCheckpoint.Run(h, x => layer.Forward(x, cos, sin, mask, isCausal, null, layerPrefix));
            }
        }
        else
        {
            for (int i = 0; i < layers.Count; i++) h = layers[i].Forward(h, cos, sin, mask, isCausal, cache, prefix?[i]);
        }
        cache?.Advance(prepended + seq);
        h = norm.forward(h);
        if (prepended > 0) h = h.narrow(1, prepended, seq);
        return h.MoveToOuterDisposeScope();
    }
}
