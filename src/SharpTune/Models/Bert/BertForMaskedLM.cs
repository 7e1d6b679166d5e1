using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>
/// A BERT encoder with its masked-LM head, parameter names exactly transformers' BertForMaskedLM
/// (<c>bert.embeddings.word_embeddings.weight</c>, <c>bert.encoder.layer.0.attention.self.query.weight</c>, …,
/// <c>cls.predictions.transform.dense.weight</c>, <c>cls.predictions.bias</c>); the decoder is tied to the word
/// embeddings, so checkpoints move both ways.
/// </summary>
public sealed class BertForMaskedLM : nn.Module
{
    private readonly BertModel bert;
    private readonly BertOnlyMlmHead cls;

    /// <summary>Creates the model for <paramref name="config"/>; parameters are uninitialised until loaded or <see cref="InitializeWeights"/>.</summary>
    public BertForMaskedLM(BertConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(BertForMaskedLM))
    {
        Config = config;
        Device = device ?? CPU;
        Dtype = dtype;
        bert = new BertModel(config, Device, dtype);
        cls = new BertOnlyMlmHead(config, Device, dtype);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public BertConfig Config { get; }

    /// <summary>The device the parameters were created on.</summary>
    public Device Device { get; }

    /// <summary>The dtype the parameters were created in.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Vocabulary logits [batch, seq, vocab] at every position; see <see cref="BertModel.Forward"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        return cls.Forward(bert.Forward(inputIds, attentionMask, tokenTypeIds), bert.Embeddings.WordEmbeddings).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// transformers' initialisation: linear and embedding weights ~ N(0, initializer_range), the pad token's embedding
    /// row 0, biases 0, LayerNorm weights 1. Deterministic for a given <paramref name="seed"/>.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        foreach (var (name, param) in named_parameters())
        {
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal)) param.fill_(1.0);
            else if (name.EndsWith("bias", StringComparison.Ordinal)) param.zero_();
            else
            {
                using var values = normal(0.0, Config.InitializerRange, param.shape, ScalarType.Float32, generator: generator);
                param.copy_(values);
            }
        }
        bert.Embeddings.WordEmbeddings[Config.PadTokenId].zero_();
    }
}
