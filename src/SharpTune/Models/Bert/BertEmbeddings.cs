using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertEmbeddings: word + absolute position + token-type embeddings, then LayerNorm and dropout.</summary>
public sealed class BertEmbeddings : nn.Module
{
    private readonly Embedding word_embeddings, position_embeddings, token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly double dropout;

    /// <summary>Creates the embeddings for <paramref name="config"/>.</summary>
    public BertEmbeddings(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, device: device, dtype: dtype);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize, device: device, dtype: dtype);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        dropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <summary>The word embedding matrix [vocab, hidden] (the MLM decoder is tied to it).</summary>
    public Parameter WordEmbeddings => word_embeddings.weight!;

    /// <summary>Embeds <paramref name="inputIds"/> [batch, seq]; positions count from 0, token types default to 0.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        long seq = inputIds.shape[1];
        var positions = arange(seq, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var types = tokenTypeIds ?? zeros_like(inputIds);
        var x = word_embeddings.forward(inputIds) + token_type_embeddings.forward(types) + position_embeddings.forward(positions);
        x = nn.functional.dropout(LayerNorm.forward(x), dropout, training);
        return x.MoveToOuterDisposeScope();
    }
}
