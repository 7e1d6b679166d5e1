using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A Llama-family decoder with a scoring head instead of the language-model head — transformers'
/// <c>LlamaForSequenceClassification</c> (<c>Qwen2…</c>, <c>Mistral…</c>): the trunk (<c>model.*</c>) and
/// <c>score</c>, a linear layer hidden → num_labels without bias, read at each row's last token that is not padding.
/// With one label it is a reward model: one scalar per sequence.
/// </summary>
public sealed class LlamaForSequenceClassification : DecoderModule
{
    private readonly LlamaModel model;

    /// <summary>Creates the model for <paramref name="config"/> with <paramref name="numLabels"/> outputs; parameters are uninitialised until loaded or initialised.</summary>
    public LlamaForSequenceClassification(ModelConfig config, int numLabels = 1, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlamaForSequenceClassification))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLabels, 1);
        Config = config;
        NumLabels = numLabels;
        device ??= CPU;
        model = new LlamaModel(config, device, dtype);
        register_module("model", model);
        AddLinear("score", config.HiddenSize, numLabels, false, device, dtype);
        Dtype = dtype;
        Device = device;
    }

    /// <summary>The architecture of the trunk.</summary>
    public ModelConfig Config { get; }

    /// <summary><c>num_labels</c>: the outputs per sequence (1 for a reward model).</summary>
    public int NumLabels { get; }

    /// <summary>The dtype the parameters were created in.</summary>
    public ScalarType Dtype { get; }

    /// <summary>The device the parameters were created on.</summary>
    public Device Device { get; }

    /// <summary>The trunk (transformers' <c>model</c>).</summary>
    public LlamaModel Model => model;

    /// <summary>The transformers class that loads this model, e.g. <c>LlamaForSequenceClassification</c>.</summary>
    public string ArchitectureName => ArchitectureOf(Config);

    /// <summary>The sequence-classification class of <paramref name="config"/>'s model type.</summary>
    public static string ArchitectureOf(ModelConfig config) =>
        config.ArchitectureName.Replace("ForCausalLM", "ForSequenceClassification", StringComparison.Ordinal);

    /// <summary>
    /// The scores [batch, num_labels] of <paramref name="inputIds"/> [batch, seq], read at <see cref="LastTokenIndex"/>;
    /// the mask and positions are as for <see cref="LlamaModel.Forward"/>.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, positionIds);
        var last = LastTokenIndex(inputIds, Config.PadTokenId);
        var pooled = hidden[arange(hidden.shape[0], device: hidden.device), last];
        return Project("score", pooled).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Where each row is read, as transformers finds it: the rightmost token that is not <paramref name="padId"/>
    /// (so left and right padding both work); the last position when there is no pad id.
    /// </summary>
    public static Tensor LastTokenIndex(Tensor inputIds, long? padId)
    {
        if (padId is not { } pad) return full(inputIds.shape[0], inputIds.shape[1] - 1, ScalarType.Int64, inputIds.device);
        using var scope = NewDisposeScope();
        var notPad = inputIds.ne(pad).to(ScalarType.Int64);
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device);
        return (positions * notPad).argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>config.json for this model: the trunk's keys, this class as the architecture, and one id2label/label2id entry per label (from which transformers reads num_labels).</summary>
    public JsonObject ConfigJson()
    {
        var json = Config.ToJson();
        json["architectures"] = new JsonArray(ArchitectureName);
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < NumLabels; i++)
        {
            id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = $"LABEL_{i}";
            label2id[$"LABEL_{i}"] = i;
        }
        json["id2label"] = id2label;
        json["label2id"] = label2id;
        json.Remove("num_labels");
        return json;
    }

    /// <summary>Starts the score head as transformers does (N(0, initializer_range)), deterministically for <paramref name="seed"/>.</summary>
    public void InitializeScore(long seed)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        var weight = ((TorchSharp.Modules.Linear)GetLinear("score")).weight!;
        using var values = normal(0.0, Config.InitializerRange, weight.shape, ScalarType.Float32, generator: generator);
        weight.copy_(values);
    }
}
