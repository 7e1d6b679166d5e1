using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A Llama-family causal language model (llama, mistral, qwen2): the trunk plus the output head, with
/// parameter names exactly as transformers names them, so HF checkpoints load without renaming.
/// </summary>
public sealed class LlamaForCausalLM : DecoderModule
{
    private readonly LlamaModel model;

    /// <summary>Creates the model for <paramref name="config"/>; parameters are uninitialised until loaded or <see cref="InitializeWeights"/>.</summary>
    public LlamaForCausalLM(ModelConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(LlamaForCausalLM))
    {
        Config = config;
        device ??= CPU;
        model = new LlamaModel(config, device, dtype);
        register_module("model", model);
        if (!config.TieWordEmbeddings) AddLinear("lm_head", config.HiddenSize, config.VocabSize, false, device, dtype);
        Dtype = dtype;
        Device = device;
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The dtype the parameters were created in.</summary>
    public ScalarType Dtype { get; }

    /// <summary>The device the parameters were created on.</summary>
    public Device Device { get; }

    /// <summary>The trunk (transformers' <c>model</c>).</summary>
    public LlamaModel Model => model;

    /// <summary>Next-token logits [batch, seq, vocab]; see <see cref="LlamaModel.Forward"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        return Logits(model.Forward(inputIds, attentionMask, positionIds, cache)).MoveToOuterDisposeScope();
    }

    /// <summary>The final hidden states [batch, seq, hidden]: the trunk's output, before the head (what <see cref="Forward"/> applies <see cref="Logits"/> to).</summary>
    public Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null) =>
        model.Forward(inputIds, attentionMask, positionIds, null);

    /// <summary>
    /// The output head's weight [vocab, hidden] when the head is a plain matrix — the tied embeddings, or an lm_head
    /// that is a bias-free linear layer — so that a loss may apply it itself; null when lm_head is wrapped (LoRA on it).
    /// </summary>
    public Tensor? HeadWeight =>
        Config.TieWordEmbeddings ? model.EmbedTokens.weight
        : GetLinear("lm_head") is TorchSharp.Modules.Linear { bias: null } head ? head.weight : null;

    /// <summary>Applies the output head (tied to the embeddings when the config says so) to hidden states.</summary>
    public Tensor Logits(Tensor hidden) =>
        Config.TieWordEmbeddings
            ? nn.functional.linear(hidden, model.EmbedTokens.weight!)
            : Project("lm_head", hidden);

    /// <summary>
    /// transformers' initialisation: linear and embedding weights ~ N(0, initializer_range), biases 0, norms 1.
    /// Deterministic for a given <paramref name="seed"/>.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        foreach (var (name, param) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) param.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) param.zero_();
            else
            {
                var values = normal(0.0, Config.InitializerRange, param.shape, ScalarType.Float32, generator: generator);
                param.copy_(values);
                values.Dispose();
            }
        }
    }

    /// <summary>All parameters, tied ones once, by transformers name.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
