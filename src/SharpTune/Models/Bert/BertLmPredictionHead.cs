using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>
/// transformers' BertLMPredictionHead (<c>cls.predictions</c>): the transform, then the decoder whose weight is the
/// word embedding matrix (tied, so not a parameter of its own) plus the output bias <c>cls.predictions.bias</c>.
/// </summary>
public sealed class BertLmPredictionHead : nn.Module
{
    private readonly BertPredictionHeadTransform transform;
    private readonly Parameter bias;

    /// <summary>Creates the head for <paramref name="config"/>.</summary>
    public BertLmPredictionHead(BertConfig config, Device device, ScalarType dtype) : base("BertLMPredictionHead")
    {
        transform = new BertPredictionHeadTransform(config, device, dtype);
        bias = nn.Parameter(zeros(config.VocabSize, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>Vocabulary logits of <paramref name="hidden"/> with the decoder weight <paramref name="wordEmbeddings"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor wordEmbeddings)
    {
        using var scope = NewDisposeScope();
        return nn.functional.linear(transform.Forward(hidden), wordEmbeddings, bias).MoveToOuterDisposeScope();
    }
}
