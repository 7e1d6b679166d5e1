using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertModel without the pooler (as BertForMaskedLM has it): embeddings and the encoder.</summary>
public sealed class BertModel : nn.Module
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;

    /// <summary>Creates the trunk for <paramref name="config"/>.</summary>
    public BertModel(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertModel))
    {
        embeddings = new BertEmbeddings(config, device, dtype);
        encoder = new BertEncoder(config, device, dtype);
        RegisterComponents();
    }

    /// <summary>The embeddings.</summary>
    public BertEmbeddings Embeddings => embeddings;

    /// <summary>
    /// Hidden states [batch, seq, hidden] of <paramref name="inputIds"/>. <paramref name="attentionMask"/> [batch, seq]
    /// is 1 for real tokens and 0 for padding, which no token attends to (null: no padding).
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask?.ne(0).unsqueeze(1).unsqueeze(1);
        return encoder.Forward(embeddings.Forward(inputIds, tokenTypeIds), mask).MoveToOuterDisposeScope();
    }
}
