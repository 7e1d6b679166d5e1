using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Models;

/// <summary>
/// The architecture of a Llama-family decoder as an HF <c>config.json</c> states it. Field names follow
/// transformers; keys this class does not model are kept and written back unchanged.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The model types this release can build.</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["llama", "mistral", "qwen2"];

    /// <summary><c>model_type</c>: llama, mistral or qwen2.</summary>
    public required string ModelType { get; init; }
    /// <summary><c>vocab_size</c>.</summary>
    public required long VocabSize { get; init; }
    /// <summary><c>hidden_size</c>: the width of the residual stream.</summary>
    public required long HiddenSize { get; init; }
    /// <summary><c>intermediate_size</c>: the width of the SwiGLU MLP.</summary>
    public required long IntermediateSize { get; init; }
    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }
    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public required long NumAttentionHeads { get; init; }
    /// <summary><c>num_key_value_heads</c>: key/value heads (fewer than query heads under grouped-query attention).</summary>
    public required long NumKeyValueHeads { get; init; }
    /// <summary><c>head_dim</c>; hidden_size / num_attention_heads when the config leaves it out.</summary>
    public long HeadDim { get; init; }
    /// <summary><c>max_position_embeddings</c>.</summary>
    public long MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-6;
    /// <summary><c>rope_theta</c>: the base of the rotary frequencies.</summary>
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary><c>rope_scaling</c>, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }
    /// <summary><c>tie_word_embeddings</c>: the output head reuses the input embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Whether q/k/v projections carry biases (qwen2 always; llama when <c>attention_bias</c>).</summary>
    public bool QkvBias { get; init; }
    /// <summary>Whether the output projection carries a bias (llama's <c>attention_bias</c>).</summary>
    public bool OutputBias { get; init; }
    /// <summary>llama's <c>mlp_bias</c>.</summary>
    public bool MlpBias { get; init; }
    /// <summary>Sliding attention window in tokens (mistral, or qwen2 with use_sliding_window), or null.</summary>
    public long? SlidingWindow { get; init; }
    /// <summary><c>initializer_range</c>: standard deviation of the random initialisation.</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary><c>bos_token_id</c>.</summary>
    public long? BosTokenId { get; init; }
    /// <summary><c>eos_token_id</c> (HF allows one id or a list).</summary>
    public IReadOnlyList<long> EosTokenIds { get; init; } = [];
    /// <summary><c>pad_token_id</c>.</summary>
    public long? PadTokenId { get; init; }
    /// <summary><c>torch_dtype</c> as written (float32, bfloat16, float16), or null.</summary>
    public string? TorchDtype { get; init; }
    /// <summary>Every key of the source file, so that unknown keys survive a load/save round trip.</summary>
    public JsonObject Raw { get; init; } = new();

    /// <summary>How many query heads share each key/value head.</summary>
    public long KeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Reads and validates <c>config.json</c>; errors name the file and key.</summary>
    public static ModelConfig Load(string path) => FromJson(ConfigJson.ReadObject(path), path);

    /// <summary>Builds a config from parsed JSON; <paramref name="source"/> names it in errors.</summary>
    public static ModelConfig FromJson(JsonObject obj, string source)
    {
        var json = new ConfigJson(obj, source);
        string modelType = json.String("model_type") ?? throw json.Missing("model_type");
        if (!SupportedModelTypes.Contains(modelType))
            throw new SharpTuneException(
                $"{source}: model_type '{modelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)})");
        string? act = json.String("hidden_act");
        if (act is not null && act != "silu")
            throw new SharpTuneException($"{source}: hidden_act '{act}' is not supported (only silu)");

        long hidden = json.Long("hidden_size") ?? throw json.Missing("hidden_size");
        long heads = json.Long("num_attention_heads") ?? throw json.Missing("num_attention_heads");
        long kvHeads = json.Long("num_key_value_heads") ?? heads;
        long headDim = json.Long("head_dim") ?? (heads > 0 ? hidden / heads : 0);
        bool attentionBias = json.Bool("attention_bias") ?? false;
        long? window = modelType switch
        {
            "mistral" => json.Long("sliding_window"),
            "qwen2" when json.Bool("use_sliding_window") == true => json.Long("sliding_window"),
            _ => null,
        };
        var config = new ModelConfig
        {
            ModelType = modelType,
            VocabSize = json.Long("vocab_size") ?? throw json.Missing("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = json.Long("intermediate_size") ?? throw json.Missing("intermediate_size"),
            NumHiddenLayers = (int)(json.Long("num_hidden_layers") ?? throw json.Missing("num_hidden_layers")),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = json.Long("max_position_embeddings") ?? 2048,
            RmsNormEps = json.Double("rms_norm_eps") ?? 1e-6,
            RopeTheta = json.Double("rope_theta") ?? 10000.0,
            RopeScaling = ReadRopeScaling(json),
            TieWordEmbeddings = json.Bool("tie_word_embeddings") ?? false,
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputBias = modelType == "llama" && attentionBias,
            MlpBias = modelType == "llama" && (json.Bool("mlp_bias") ?? false),
            SlidingWindow = window,
            InitializerRange = json.Double("initializer_range") ?? 0.02,
            BosTokenId = json.Long("bos_token_id"),
            EosTokenIds = json.LongList("eos_token_id"),
            PadTokenId = json.Long("pad_token_id"),
            TorchDtype = json.String("torch_dtype") ?? json.String("dtype"),
            Raw = obj,
        };
        config.Validate(source);
        return config;
    }

    private static RopeScaling? ReadRopeScaling(ConfigJson json)
    {
        var node = json.Object("rope_scaling");
        if (node is null) return null;
        var scaling = new ConfigJson(node, json.Source + ": rope_scaling");
        string type = scaling.String("rope_type") ?? scaling.String("type") ?? throw scaling.Missing("rope_type");
        if (type == "default") return null;
        if (type is not ("llama3" or "linear"))
            throw new SharpTuneException($"{json.Source}: rope_scaling type '{type}' is not supported (supported: llama3, linear)");
        return new RopeScaling(
            type,
            scaling.Double("factor") ?? throw scaling.Missing("factor"),
            scaling.Double("low_freq_factor") ?? 1.0,
            scaling.Double("high_freq_factor") ?? 4.0,
            scaling.Long("original_max_position_embeddings") ?? 8192);
    }

    /// <summary>Checks that the shapes fit together; throws naming <paramref name="source"/> and the key.</summary>
    public void Validate(string source)
    {
        void Positive(string key, double value)
        {
            if (!(value > 0)) throw new SharpTuneException($"{source}: {key} must be positive, got {value}");
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("intermediate_size", IntermediateSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("num_key_value_heads", NumKeyValueHeads);
        Positive("head_dim", HeadDim);
        Positive("rms_norm_eps", RmsNormEps);
        Positive("rope_theta", RopeTheta);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new SharpTuneException(
                $"{source}: num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        if (HeadDim % 2 != 0) throw new SharpTuneException($"{source}: head_dim must be even for RoPE, got {HeadDim}");
        if (RopeScaling is { } s)
        {
            Positive("rope_scaling.factor", s.Factor);
            if (s.Type == "llama3" && !(s.HighFreqFactor > s.LowFreqFactor))
                throw new SharpTuneException($"{source}: rope_scaling.high_freq_factor must exceed low_freq_factor");
        }
    }

    /// <summary>The config as HF <c>config.json</c> JSON: the source's keys, with the modelled ones updated.</summary>
    public JsonObject ToJson()
    {
        var obj = (JsonObject)Raw.DeepClone();
        obj["model_type"] = ModelType;
        obj["architectures"] = new JsonArray(ArchitectureName);
        obj["vocab_size"] = VocabSize;
        obj["hidden_size"] = HiddenSize;
        obj["intermediate_size"] = IntermediateSize;
        obj["num_hidden_layers"] = NumHiddenLayers;
        obj["num_attention_heads"] = NumAttentionHeads;
        obj["num_key_value_heads"] = NumKeyValueHeads;
        obj["head_dim"] = HeadDim;
        obj["max_position_embeddings"] = MaxPositionEmbeddings;
        obj["rms_norm_eps"] = RmsNormEps;
        obj["rope_theta"] = RopeTheta;
        obj["hidden_act"] = "silu";
        obj["tie_word_embeddings"] = TieWordEmbeddings;
        obj["initializer_range"] = InitializerRange;
        obj["rope_scaling"] = RopeScaling is { } s
            ? new JsonObject
            {
                ["rope_type"] = s.Type,
                ["factor"] = s.Factor,
                ["low_freq_factor"] = s.LowFreqFactor,
                ["high_freq_factor"] = s.HighFreqFactor,
                ["original_max_position_embeddings"] = s.OriginalMaxPositionEmbeddings,
            }
            : null;
        if (ModelType == "llama")
        {
            obj["attention_bias"] = QkvBias;
            obj["mlp_bias"] = MlpBias;
        }
        if (ModelType == "mistral") obj["sliding_window"] = SlidingWindow;
        if (ModelType == "qwen2")
        {
            obj["use_sliding_window"] = SlidingWindow is not null;
            if (SlidingWindow is { } w) obj["sliding_window"] = w;
        }
        obj["bos_token_id"] = BosTokenId;
        obj["pad_token_id"] = PadTokenId;
        obj["eos_token_id"] = EosTokenIds.Count switch
        {
            0 => null,
            1 => EosTokenIds[0],
            _ => new JsonArray(EosTokenIds.Select(id => (JsonNode?)id).ToArray()),
        };
        if (TorchDtype is not null) obj["torch_dtype"] = TorchDtype;
        return obj;
    }

    /// <summary>Writes <c>config.json</c> atomically (indented, as transformers writes it).</summary>
    public void Save(string path) => AtomicFile.WriteJson(path, ToJson());

    /// <summary>The transformers class that loads this config.</summary>
    public string ArchitectureName => ModelType switch
    {
        "llama" => "LlamaForCausalLM",
        "mistral" => "MistralForCausalLM",
        "qwen2" => "Qwen2ForCausalLM",
        _ => throw new InvalidOperationException(ModelType),
    };
}
