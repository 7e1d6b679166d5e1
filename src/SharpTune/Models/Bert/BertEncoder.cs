using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>transformers' BertEncoder: the stack of layers (<c>layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module
{
    private readonly ModuleList<BertLayer> layer;

    /// <summary>Creates num_hidden_layers layers.</summary>
    public BertEncoder(BertConfig config, Device device, ScalarType dtype) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config, device, dtype)).ToArray());
        RegisterComponents();
    }

    /// <summary>Runs every layer over <paramref name="hidden"/>.</summary>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        foreach (var l in layer) hidden = l.Forward(hidden, mask);
        return hidden.MoveToOuterDisposeScope();
    }
}
