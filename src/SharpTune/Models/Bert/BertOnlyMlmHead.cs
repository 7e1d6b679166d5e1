using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertOnlyMLMHead (<c>cls</c>): holds <c>predictions</c>.</summary>
public sealed class BertOnlyMlmHead : nn.Module
{
    private readonly BertLmPredictionHead predictions;

    /// <summary>Creates the head for <paramref name="config"/>.</summary>
    public BertOnlyMlmHead(BertConfig config, Device device, ScalarType dtype) : base("BertOnlyMLMHead")
    {
        predictions = new BertLmPredictionHead(config, device, dtype);
        RegisterComponents();
    }

    /// <summary>See <see cref="BertLmPredictionHead.Forward"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor wordEmbeddings) => predictions.Forward(hidden, wordEmbeddings);
}
