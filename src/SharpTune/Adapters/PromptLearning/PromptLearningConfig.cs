using System.Globalization;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;

namespace SharpTune.Adapters.PromptLearning;

/// <summary>
/// The settings of a prompt-based peft adapter — prompt tuning, prefix tuning or P-tuning — with peft's field names,
/// and their <c>adapter_config.json</c> form.
/// </summary>
/// <remarks>
/// Verified against peft's source (peft/config.py PromptLearningConfig, tuners/*/config.py, utils/other.py
/// <c>_prepare_prompt_learning_config</c>): token_dim, num_layers and num_attention_heads come from the model's
/// hidden_size, num_hidden_layers and num_attention_heads; for PREFIX_TUNING on a model whose config has
/// num_key_value_heads (grouped-query attention, peft issue #1901), token_dim becomes hidden_size / heads ·
/// kv_heads and num_attention_heads becomes kv_heads, so the prefix has the keys' width; encoder_hidden_size
/// defaults to token_dim (after that adjustment); num_transformer_submodules is 1 for CAUSAL_LM.
/// </remarks>
public sealed record PromptLearningConfig
{
    /// <summary>Which method: <see cref="AdapterKind.PromptTuning"/>, <see cref="AdapterKind.PrefixTuning"/> or <see cref="AdapterKind.PTuning"/>.</summary>
    public AdapterKind Method { get; init; } = AdapterKind.PromptTuning;

    /// <summary><c>num_virtual_tokens</c>.</summary>
    public int NumVirtualTokens { get; init; } = 8;

    /// <summary><c>token_dim</c>: the width of a virtual token (the keys' width for prefix tuning); 0 until resolved against a model.</summary>
    public long TokenDim { get; init; }

    /// <summary><c>num_attention_heads</c> (the key/value heads for prefix tuning); 0 until resolved.</summary>
    public long NumAttentionHeads { get; init; }

    /// <summary><c>num_layers</c>; 0 until resolved.</summary>
    public long NumLayers { get; init; }

    /// <summary><c>encoder_hidden_size</c> (prefix projection and P-tuning); null: token_dim.</summary>
    public long? EncoderHiddenSize { get; init; }

    /// <summary><c>prefix_projection</c>: prefix tuning through a two-layer tanh MLP.</summary>
    public bool PrefixProjection { get; init; }

    /// <summary><c>prompt_tuning_init</c>: <c>RANDOM</c> or <c>TEXT</c>.</summary>
    public string PromptTuningInit { get; init; } = "RANDOM";

    /// <summary><c>prompt_tuning_init_text</c>, with TEXT.</summary>
    public string? PromptTuningInitText { get; init; }

    /// <summary><c>tokenizer_name_or_path</c>: the tokenizer of the init text.</summary>
    public string? TokenizerNameOrPath { get; init; }

    /// <summary><c>encoder_reparameterization_type</c>: <c>MLP</c> or <c>LSTM</c> (P-tuning).</summary>
    public string EncoderReparameterizationType { get; init; } = "MLP";

    /// <summary><c>encoder_num_layers</c>: LSTM layers (peft ignores it for MLP, which always has 2 hidden layers).</summary>
    public int EncoderNumLayers { get; init; } = 2;

    /// <summary><c>encoder_dropout</c>: dropout between LSTM layers.</summary>
    public double EncoderDropout { get; init; }

    /// <summary><c>base_model_name_or_path</c>.</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary><c>revision</c>.</summary>
    public string? Revision { get; init; }

    /// <summary>peft's <c>peft_type</c> for <see cref="Method"/>.</summary>
    public string PeftType => PeftTypeOf(Method);

    /// <summary>The hidden width of the encoder: encoder_hidden_size, else token_dim.</summary>
    public long EncoderWidth => EncoderHiddenSize ?? TokenDim;

    /// <summary>Whether the saved prompt_embeddings are an encoder's output rather than its trained table (prefix projection, P-tuning).</summary>
    public bool HasEncoder => Method == AdapterKind.PTuning || (Method == AdapterKind.PrefixTuning && PrefixProjection);

    /// <summary>The width of one row of <c>prompt_embeddings</c>: num_layers·2·token_dim for prefix tuning, else token_dim.</summary>
    public long EmbeddingWidth => Method == AdapterKind.PrefixTuning ? NumLayers * 2 * TokenDim : TokenDim;

    /// <summary>peft's <c>peft_type</c> string of a prompt method.</summary>
    public static string PeftTypeOf(AdapterKind method) => method switch
    {
        AdapterKind.PromptTuning => "PROMPT_TUNING",
        AdapterKind.PrefixTuning => "PREFIX_TUNING",
        AdapterKind.PTuning => "P_TUNING",
        _ => throw new ArgumentException($"{method} is not a prompt-based method", nameof(method)),
    };

    /// <summary>Whether <paramref name="peftType"/> is one of the prompt methods read here.</summary>
    public static bool IsPromptPeftType(string? peftType) => peftType is "PROMPT_TUNING" or "PREFIX_TUNING" or "P_TUNING";

    /// <summary>These settings with the shape fields filled from <paramref name="model"/> as peft's <c>_prepare_prompt_learning_config</c> does.</summary>
    public PromptLearningConfig ResolvedFor(ModelConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long tokenDim = model.HiddenSize, heads = model.NumAttentionHeads;
        if (Method == AdapterKind.PrefixTuning)
        {
            // GQA: the prefix has the keys' width. peft computes hidden/heads·kv_heads, which is head_dim·kv_heads
            // whenever head_dim = hidden/heads; the cache needs head_dim·kv_heads, so that is what is used here.
            tokenDim = model.HeadDim * model.NumKeyValueHeads;
            heads = model.NumKeyValueHeads;
        }
        return this with { TokenDim = tokenDim, NumAttentionHeads = heads, NumLayers = model.NumHiddenLayers };
    }

    /// <summary>Checks the values; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="SharpTuneException">A value is out of range or unknown.</exception>
    public void Validate(string source)
    {
        if (NumVirtualTokens is < 1 or > 100_000) throw new SharpTuneException($"{source}: num_virtual_tokens must be between 1 and 100000, got {NumVirtualTokens}");
        if (EncoderHiddenSize is < 1 or > 1 << 20) throw new SharpTuneException($"{source}: encoder_hidden_size must be between 1 and {1 << 20}, got {EncoderHiddenSize}");
        if (PromptTuningInit is not ("RANDOM" or "TEXT"))
            throw new SharpTuneException($"{source}: prompt_tuning_init '{PromptTuningInit}' is not supported (use RANDOM or TEXT)");
        if (Method == AdapterKind.PromptTuning && PromptTuningInit == "TEXT" && string.IsNullOrEmpty(PromptTuningInitText))
            throw new SharpTuneException($"{source}: prompt_tuning_init TEXT needs prompt_tuning_init_text");
        if (EncoderReparameterizationType is not ("MLP" or "LSTM"))
            throw new SharpTuneException($"{source}: encoder_reparameterization_type '{EncoderReparameterizationType}' is not supported (use MLP or LSTM)");
        if (EncoderNumLayers is < 1 or > 64) throw new SharpTuneException($"{source}: encoder_num_layers must be between 1 and 64, got {EncoderNumLayers}");
        if (EncoderDropout is < 0 or >= 1 || double.IsNaN(EncoderDropout)) throw new SharpTuneException($"{source}: encoder_dropout must be in [0, 1), got {EncoderDropout}");
    }

    /// <summary>
    /// The fields peft writes for this method (keys sorted as peft's json.dumps(sort_keys=True); inference_mode true as
    /// save_pretrained writes it).
    /// </summary>
    public JsonObject ToJson()
    {
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["inference_mode"] = true,
            ["modules_to_save"] = null,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_layers"] = NumLayers,
            ["num_transformer_submodules"] = 1,
            ["num_virtual_tokens"] = NumVirtualTokens,
            ["peft_type"] = PeftType,
            ["revision"] = Revision,
            ["task_type"] = "CAUSAL_LM",
            ["token_dim"] = TokenDim,
        };
        switch (Method)
        {
            case AdapterKind.PromptTuning:
                fields["prompt_tuning_init"] = PromptTuningInit;
                fields["prompt_tuning_init_text"] = PromptTuningInitText;
                fields["tokenizer_kwargs"] = null;
                fields["tokenizer_name_or_path"] = TokenizerNameOrPath;
                break;
            case AdapterKind.PrefixTuning:
                fields["encoder_hidden_size"] = EncoderWidth;
                fields["prefix_projection"] = PrefixProjection;
                break;
            default:
                fields["encoder_dropout"] = JsonNode.Parse(EncoderDropout.ToString("0.0###############", CultureInfo.InvariantCulture));
                fields["encoder_hidden_size"] = EncoderWidth;
                fields["encoder_num_layers"] = EncoderNumLayers;
                fields["encoder_reparameterization_type"] = EncoderReparameterizationType;
                break;
        }
        var json = new JsonObject();
        foreach (var (key, value) in fields) json[key] = value;
        return json;
    }

    /// <summary>Reads a prompt-method adapter_config.json.</summary>
    /// <exception cref="SharpTuneException">The file is missing, unreadable, not a CAUSAL_LM prompt adapter, or has a bad value; the message names the file and field.</exception>
    public static PromptLearningConfig Read(string path) => FromJson(AdapterFolder.ReadConfig(path), path);

    /// <summary>Reads the settings of a parsed adapter_config.json; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="SharpTuneException">As for <see cref="Read"/>.</exception>
    public static PromptLearningConfig FromJson(JsonObject obj, string source)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var json = new ConfigJson(obj, source);
        string peftType = json.String("peft_type") ?? throw json.Missing("peft_type");
        var method = peftType switch
        {
            "PROMPT_TUNING" => AdapterKind.PromptTuning,
            "PREFIX_TUNING" => AdapterKind.PrefixTuning,
            "P_TUNING" => AdapterKind.PTuning,
            _ => throw new SharpTuneException($"{source}: peft_type '{peftType}' is not a prompt-based method"),
        };
        string? task = json.String("task_type");
        if (task is not null && task != "CAUSAL_LM")
            throw new SharpTuneException($"{source}: task_type '{task}' is not supported; SharpTune loads CAUSAL_LM adapters");
        long submodules = json.Long("num_transformer_submodules") ?? 1;
        if (submodules != 1) throw new SharpTuneException($"{source}: num_transformer_submodules {submodules} is for encoder-decoder models; a causal LM has 1");
        var config = new PromptLearningConfig
        {
            Method = method,
            NumVirtualTokens = checked((int)(json.Long("num_virtual_tokens") ?? throw json.Missing("num_virtual_tokens"))),
            TokenDim = json.Long("token_dim") ?? throw json.Missing("token_dim"),
            NumAttentionHeads = json.Long("num_attention_heads") ?? 0,
            NumLayers = json.Long("num_layers") ?? 0,
            EncoderHiddenSize = json.Long("encoder_hidden_size"),
            PrefixProjection = json.Bool("prefix_projection") ?? false,
            PromptTuningInit = json.String("prompt_tuning_init") ?? "RANDOM",
            PromptTuningInitText = json.String("prompt_tuning_init_text"),
            TokenizerNameOrPath = json.String("tokenizer_name_or_path"),
            EncoderReparameterizationType = json.String("encoder_reparameterization_type") ?? "MLP",
            EncoderNumLayers = checked((int)(json.Long("encoder_num_layers") ?? 2)),
            EncoderDropout = json.Double("encoder_dropout") ?? 0,
            BaseModelNameOrPath = json.String("base_model_name_or_path"),
            Revision = json.String("revision"),
        };
        // SAMPLE_VOCAB and other initialisations only matter before training; the saved embeddings replace them.
        if (config.PromptTuningInit is not ("RANDOM" or "TEXT")) config = config with { PromptTuningInit = "RANDOM" };
        config.Validate(source);
        return config;
    }

    /// <summary>Checks that these settings (read from <paramref name="source"/>) fit <paramref name="model"/>.</summary>
    /// <exception cref="SharpTuneException">token_dim, num_layers or num_attention_heads disagree with the model.</exception>
    public void CheckFits(ModelConfig model, string source)
    {
        var expected = ResolvedFor(model);
        if (TokenDim != expected.TokenDim || (NumLayers != 0 && NumLayers != expected.NumLayers) || (NumAttentionHeads != 0 && NumAttentionHeads != expected.NumAttentionHeads))
            throw new SharpTuneException($"{source}: the adapter was made for token_dim {TokenDim}, num_layers {NumLayers}, num_attention_heads {NumAttentionHeads}; "
                + $"this model needs {expected.TokenDim}, {expected.NumLayers}, {expected.NumAttentionHeads}");
    }
}
