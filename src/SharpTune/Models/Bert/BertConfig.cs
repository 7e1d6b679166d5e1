using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Models.Bert;

/// <summary>
/// A BERT encoder's <c>config.json</c> (<c>model_type: bert</c>), field names as transformers' BertConfig. Keys this
/// class does not model are kept and written back unchanged.
/// </summary>
public sealed record BertConfig
{
    /// <summary><c>vocab_size</c>.</summary>
    public required long VocabSize { get; init; }
    /// <summary><c>hidden_size</c>.</summary>
    public required long HiddenSize { get; init; }
    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }
    /// <summary><c>num_attention_heads</c>.</summary>
    public required long NumAttentionHeads { get; init; }
    /// <summary><c>intermediate_size</c>: the width of the feed-forward layer.</summary>
    public required long IntermediateSize { get; init; }
    /// <summary><c>max_position_embeddings</c>: learned absolute positions.</summary>
    public long MaxPositionEmbeddings { get; init; } = 512;
    /// <summary><c>type_vocab_size</c>: token-type (segment) ids.</summary>
    public long TypeVocabSize { get; init; } = 2;
    /// <summary><c>layer_norm_eps</c>.</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary><c>hidden_dropout_prob</c>: dropout on embeddings and each sublayer's output while training.</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;
    /// <summary><c>attention_probs_dropout_prob</c>: dropout on the attention weights while training.</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    /// <summary><c>initializer_range</c>.</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary><c>pad_token_id</c> (its embedding row starts at zero).</summary>
    public long PadTokenId { get; init; }
    /// <summary><c>torch_dtype</c> as written, or null.</summary>
    public string? TorchDtype { get; init; }
    /// <summary>Every key of the source file.</summary>
    public JsonObject Raw { get; init; } = new();

    /// <summary>The width of one attention head.</summary>
    public long HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Whether the config.json at <paramref name="path"/> says <c>model_type: bert</c>.</summary>
    public static bool IsBert(string path)
    {
        try
        {
            return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))?["model_type"]?.GetValue<string>() == "bert";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads and validates <c>config.json</c>; errors name the file and key.</summary>
    public static BertConfig Load(string path) => FromJson(ConfigJson.ReadObject(path), path);

    /// <summary>Builds a config from parsed JSON; <paramref name="source"/> names it in errors.</summary>
    public static BertConfig FromJson(JsonObject obj, string source)
    {
        var json = new ConfigJson(obj, source);
        string modelType = json.String("model_type") ?? throw json.Missing("model_type");
        if (modelType != "bert") throw new SharpTuneException($"{source}: model_type '{modelType}' is not a BERT encoder (expected bert)");
        string act = json.String("hidden_act") ?? "gelu";
        if (act != "gelu") throw new SharpTuneException($"{source}: hidden_act '{act}' is not supported (only gelu)");
        if (json.String("position_embedding_type") is { } pe && pe != "absolute")
            throw new SharpTuneException($"{source}: position_embedding_type '{pe}' is not supported (only absolute)");
        var config = new BertConfig
        {
            VocabSize = json.Long("vocab_size") ?? throw json.Missing("vocab_size"),
            HiddenSize = json.Long("hidden_size") ?? throw json.Missing("hidden_size"),
            NumHiddenLayers = (int)Math.Clamp(json.Long("num_hidden_layers") ?? throw json.Missing("num_hidden_layers"), 0, 100_000),
            NumAttentionHeads = json.Long("num_attention_heads") ?? throw json.Missing("num_attention_heads"),
            IntermediateSize = json.Long("intermediate_size") ?? throw json.Missing("intermediate_size"),
            MaxPositionEmbeddings = json.Long("max_position_embeddings") ?? 512,
            TypeVocabSize = json.Long("type_vocab_size") ?? 2,
            LayerNormEps = json.Double("layer_norm_eps") ?? 1e-12,
            HiddenDropoutProb = json.Double("hidden_dropout_prob") ?? 0.1,
            AttentionProbsDropoutProb = json.Double("attention_probs_dropout_prob") ?? 0.1,
            InitializerRange = json.Double("initializer_range") ?? 0.02,
            PadTokenId = json.Long("pad_token_id") ?? 0,
            TorchDtype = json.String("torch_dtype") ?? json.String("dtype"),
            Raw = obj,
        };
        void Check(string key, bool ok, string what)
        {
            if (!ok) throw new SharpTuneException($"{source}: {key} {what}");
        }
        Check("vocab_size", config.VocabSize is > 0 and <= 1L << 24, "must be between 1 and 2^24");
        Check("hidden_size", config.HiddenSize is > 0 and <= 1 << 16, "must be between 1 and 65536");
        Check("num_hidden_layers", config.NumHiddenLayers is > 0 and <= 1000, "must be between 1 and 1000");
        Check("num_attention_heads", config.NumAttentionHeads > 0 && config.HiddenSize % config.NumAttentionHeads == 0, "must be positive and divide hidden_size");
        Check("intermediate_size", config.IntermediateSize is > 0 and <= 1 << 20, "must be between 1 and 2^20");
        Check("max_position_embeddings", config.MaxPositionEmbeddings is > 0 and <= 1 << 20, "must be between 1 and 2^20");
        Check("type_vocab_size", config.TypeVocabSize is > 0 and <= 1 << 16, "must be between 1 and 65536");
        Check("pad_token_id", config.PadTokenId >= 0 && config.PadTokenId < config.VocabSize, "must be a token id");
        Check("hidden_dropout_prob", config.HiddenDropoutProb is >= 0 and < 1, "must be in [0, 1)");
        Check("attention_probs_dropout_prob", config.AttentionProbsDropoutProb is >= 0 and < 1, "must be in [0, 1)");
        return config;
    }

    /// <summary>The config as transformers writes it for BertForMaskedLM.</summary>
    public JsonObject ToJson()
    {
        var obj = (JsonObject)Raw.DeepClone();
        obj["model_type"] = "bert";
        obj["architectures"] = new JsonArray("BertForMaskedLM");
        obj["vocab_size"] = VocabSize;
        obj["hidden_size"] = HiddenSize;
        obj["num_hidden_layers"] = NumHiddenLayers;
        obj["num_attention_heads"] = NumAttentionHeads;
        obj["intermediate_size"] = IntermediateSize;
        obj["hidden_act"] = "gelu";
        obj["max_position_embeddings"] = MaxPositionEmbeddings;
        obj["type_vocab_size"] = TypeVocabSize;
        obj["layer_norm_eps"] = LayerNormEps;
        obj["hidden_dropout_prob"] = HiddenDropoutProb;
        obj["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        obj["initializer_range"] = InitializerRange;
        obj["pad_token_id"] = PadTokenId;
        obj["position_embedding_type"] = "absolute";
        obj["tie_word_embeddings"] = true;
        if (TorchDtype is not null) obj["torch_dtype"] = TorchDtype;
        return obj;
    }

    /// <summary>Writes <c>config.json</c> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteJson(path, ToJson());
}
