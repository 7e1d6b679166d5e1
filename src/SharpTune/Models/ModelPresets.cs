using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Models;

/// <summary>
/// Shapes for <c>sharptune init-model</c>: <c>tiny</c> for tests and the published shapes of a few small
/// models for benchmarks (the weights are random; nothing is downloaded).
/// </summary>
public static class ModelPresets
{
    /// <summary>Preset names, and the architecture each has when --arch is not given.</summary>
    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        ["tiny"] = "llama",
        ["small"] = "llama",
        ["smollm2-135m"] = "llama",
        ["qwen2.5-0.5b"] = "qwen2",
        ["llama-3.2-1b"] = "llama",
    };

    /// <summary>The config.json of preset <paramref name="preset"/> as architecture <paramref name="arch"/> (null: the preset's own).</summary>
    public static JsonObject Config(string preset, string? arch)
    {
        string key = preset.ToLowerInvariant();
        if (!Names.TryGetValue(key, out var defaultArch))
            throw new SharpTuneException($"--preset: unknown preset '{preset}' (known: {string.Join(", ", Names.Keys)})");
        arch ??= defaultArch;
        if (!ModelConfig.SupportedModelTypes.Contains(arch))
            throw new SharpTuneException($"--arch: unknown architecture '{arch}' (known: {string.Join(", ", ModelConfig.SupportedModelTypes)})");

        var config = key switch
        {
            // ~220K parameters over the byte tokenizer's 259 ids: fast enough for every test.
            "tiny" => Shape(ByteTokenizer.Size, 64, 176, 4, 4, 2, 512, 10000.0, 1e-5, tie: false,
                bos: ByteTokenizer.Bos, eos: ByteTokenizer.Eos, pad: ByteTokenizer.Pad),
            // ~23M parameters (8K vocabulary, tied): the CPU benchmark's default, big enough that matmuls dominate a step.
            "small" => Shape(8192, 512, 1408, 6, 8, 8, 2048, 10000.0, 1e-5, tie: true, bos: 1, eos: 2, pad: 0),
            // HuggingFaceTB/SmolLM2-135M
            "smollm2-135m" => Shape(49152, 576, 1536, 30, 9, 3, 8192, 100000.0, 1e-5, tie: true, bos: 1, eos: 2, pad: 2),
            // Qwen/Qwen2.5-0.5B
            "qwen2.5-0.5b" => Shape(151936, 896, 4864, 24, 14, 2, 32768, 1000000.0, 1e-6, tie: true, bos: 151643, eos: 151643, pad: 151643),
            // meta-llama/Llama-3.2-1B
            "llama-3.2-1b" => Shape(128256, 2048, 8192, 16, 32, 8, 131072, 500000.0, 1e-5, tie: true, bos: 128000, eos: 128001, pad: null),
            _ => throw new InvalidOperationException(key),
        };
        if (key == "llama-3.2-1b")
            config["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = 32.0,
                ["low_freq_factor"] = 1.0,
                ["high_freq_factor"] = 4.0,
                ["original_max_position_embeddings"] = 8192,
            };
        config["model_type"] = arch;
        switch (arch)
        {
            case "llama":
                config["attention_bias"] = false;
                config["mlp_bias"] = false;
                break;
            case "mistral":
                config["sliding_window"] = null;
                break;
            case "qwen2":
                config["use_sliding_window"] = false;
                config["sliding_window"] = config["max_position_embeddings"]!.GetValue<long>();
                break;
        }
        return config;
    }

    /// <summary>
    /// Changes keys of a preset's config.json: each value is read as JSON (else taken as a string); head_dim follows
    /// hidden_size / num_attention_heads when either changes and head_dim is not set itself.
    /// </summary>
    /// <param name="config">The config to change, in place.</param>
    /// <param name="overrides">Key → value text.</param>
    /// <param name="source">What the overrides came from, for errors (e.g. "--set", "config.yaml:4: overrides_of_model_config").</param>
    /// <exception cref="SharpTuneException">A key is not in the config.</exception>
    public static JsonObject WithOverrides(JsonObject config, IEnumerable<KeyValuePair<string, string>> overrides, string source)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, raw) in overrides)
        {
            if (!config.ContainsKey(key))
                throw new SharpTuneException($"{source}: unknown config key '{key}' (keys: {string.Join(", ", config.Select(p => p.Key).Order())})");
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(raw);
            }
            catch (System.Text.Json.JsonException)
            {
                value = JsonValue.Create(raw);
            }
            config[key] = value;
            changed.Add(key);
        }
        if (!changed.Contains("head_dim") && (changed.Contains("hidden_size") || changed.Contains("num_attention_heads"))
            && config["hidden_size"] is JsonValue h && h.TryGetValue(out long hidden)
            && config["num_attention_heads"] is JsonValue n && n.TryGetValue(out long heads) && heads > 0)
            config["head_dim"] = hidden / heads;
        return config;
    }

    private static JsonObject Shape(long vocab, long hidden, long intermediate, int layers, long heads, long kvHeads,
        long maxPositions, double ropeTheta, double eps, bool tie, long bos, long eos, long? pad) => new()
    {
        ["vocab_size"] = vocab,
        ["hidden_size"] = hidden,
        ["intermediate_size"] = intermediate,
        ["num_hidden_layers"] = layers,
        ["num_attention_heads"] = heads,
        ["num_key_value_heads"] = kvHeads,
        ["head_dim"] = hidden / heads,
        ["max_position_embeddings"] = maxPositions,
        ["rope_theta"] = ropeTheta,
        ["rope_scaling"] = null,
        ["rms_norm_eps"] = eps,
        ["hidden_act"] = "silu",
        ["initializer_range"] = 0.02,
        ["tie_word_embeddings"] = tie,
        ["bos_token_id"] = bos,
        ["eos_token_id"] = eos,
        ["pad_token_id"] = pad,
        ["torch_dtype"] = "float32",
    };
}
