using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Adapters;

/// <summary>
/// Reads and writes peft's <c>adapter_config.json</c> for LoRA. Writing gives every field peft 0.18 writes (keys
/// sorted, as its <c>json.dumps(..., sort_keys=True)</c> does), so peft loads the file without warnings; reading
/// accepts files from any peft version, ignores fields it does not know (as peft does), and rejects the LoRA
/// variants SharpTune does not implement (DoRA, per-module ranks, trainable biases, ...) with the field named.
/// </summary>
public static class PeftAdapterConfig
{
    /// <summary>The largest adapter_config.json read (real ones are a few kB).</summary>
    internal const long MaxFileBytes = 4 << 20;

    /// <summary>The fields peft writes for a LoRA adapter, with <paramref name="config"/>'s values.</summary>
    public static JsonObject ToJson(LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.TargetAllLinear) throw new ArgumentException("resolve all-linear targets (inject the adapter) before writing its config", nameof(config));
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["alora_invocation_tokens"] = null,
            ["alpha_pattern"] = new JsonObject(),
            ["arrow_config"] = null,
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = config.BaseModelNameOrPath,
            ["bias"] = "none",
            ["corda_config"] = null,
            ["ensure_weight_tying"] = false,
            ["eva_config"] = null,
            ["exclude_modules"] = Selector(config.ExcludeModules),
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = config.Init == LoraInit.Gaussian ? JsonValue.Create("gaussian") : JsonValue.Create(true),
            ["layer_replication"] = null,
            ["layers_pattern"] = config.LayersPattern is null ? null : new JsonArray([.. config.LayersPattern.Select(p => JsonValue.Create(p))]),
            ["layers_to_transform"] = config.LayersToTransform is null ? null : new JsonArray([.. config.LayersToTransform.Select(i => JsonValue.Create(i))]),
            ["loftq_config"] = new JsonObject(),
            ["lora_alpha"] = Number(config.Alpha),
            ["lora_bias"] = false,
            ["lora_dropout"] = PythonFloat(config.Dropout),
            ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core",
            ["modules_to_save"] = config.ModulesToSave.Count == 0 ? null : new JsonArray([.. config.ModulesToSave.Select(m => JsonValue.Create(m))]),
            ["peft_type"] = "LORA",
            ["qalora_group_size"] = 16,
            ["r"] = config.R,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = config.Revision,
            ["target_modules"] = Selector(config.TargetModules ?? ModuleSelector.FromNames(LoraConfig.DefaultTargets)),
            ["target_parameters"] = null,
            ["task_type"] = config.TaskType,
            ["trainable_token_indices"] = null,
            ["use_dora"] = false,
            ["use_qalora"] = false,
            ["use_rslora"] = config.UseRslora,
        };
        var json = new JsonObject();
        foreach (var (key, value) in fields) json[key] = value;
        return json;
    }

    /// <summary>Writes <paramref name="config"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="SharpTuneException">The file cannot be written.</exception>
    public static void Write(LoraConfig config, string path) => AtomicFile.WriteJson(path, ToJson(config));

    /// <summary>Reads a LoRA adapter_config.json.</summary>
    /// <exception cref="SharpTuneException">The file is missing, not JSON, not a LoRA config, uses a feature SharpTune does not implement, or has a value of the wrong type; the message names the file and field.</exception>
    public static LoraConfig Read(string path) => FromJson(AdapterFolder.ReadConfig(path), path);

    /// <summary>Reads the LoRA settings of a parsed adapter_config.json; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="SharpTuneException">As for <see cref="Read"/>.</exception>
    public static LoraConfig FromJson(JsonObject obj, string source)
    {
        var json = new ConfigJson(obj, source);
        string peftType = json.String("peft_type") ?? throw json.Missing("peft_type");
        if (peftType != "LORA")
            throw new SharpTuneException($"{source}: peft_type '{peftType}' is not supported here; SharpTune loads LORA adapters");
        string? task = json.String("task_type");
        if (task is not null && task is not ("CAUSAL_LM" or "SEQ_CLS"))
            throw new SharpTuneException($"{source}: task_type '{task}' is not supported; SharpTune loads CAUSAL_LM and SEQ_CLS adapters");

        Reject(obj, source, "use_dora", v => IsTrue(v), "DoRA (use_dora: true) is not supported");
        Reject(obj, source, "lora_bias", v => IsTrue(v), "LoRA biases (lora_bias: true) are not supported");
        Reject(obj, source, "use_qalora", v => IsTrue(v), "QA-LoRA (use_qalora: true) is not supported");
        Reject(obj, source, "rank_pattern", v => !IsEmpty(v), "per-module ranks (rank_pattern) are not supported");
        Reject(obj, source, "alpha_pattern", v => !IsEmpty(v), "per-module alphas (alpha_pattern) are not supported");
        Reject(obj, source, "layer_replication", v => !IsEmpty(v), "layer_replication is not supported");
        Reject(obj, source, "trainable_token_indices", v => !IsEmpty(v), "trainable_token_indices is not supported");
        Reject(obj, source, "target_parameters", v => !IsEmpty(v), "target_parameters (LoRA on raw parameters) is not supported");
        Reject(obj, source, "alora_invocation_tokens", v => !IsEmpty(v), "activated LoRA (alora_invocation_tokens) is not supported");
        Reject(obj, source, "megatron_config", v => !IsEmpty(v), "Megatron layers (megatron_config) are not supported");
        string bias = json.String("bias") ?? "none";
        if (bias != "none") throw new SharpTuneException($"{source}: bias '{bias}' is not supported; only \"none\" (biases stay frozen and unsaved)");

        var config = new LoraConfig
        {
            R = checked((int)(json.Long("r") ?? 8)),
            Alpha = json.Double("lora_alpha") ?? 8,
            Dropout = json.Double("lora_dropout") ?? 0,
            UseRslora = json.Bool("use_rslora") ?? false,
            ModulesToSave = StringList(obj, "modules_to_save", source) ?? [],
            LayersToTransform = IntList(obj, "layers_to_transform", source),
            LayersPattern = StringList(obj, "layers_pattern", source),
            Init = ReadInit(obj, source),
            TaskType = task ?? "CAUSAL_LM",
            BaseModelNameOrPath = json.String("base_model_name_or_path"),
            Revision = json.String("revision"),
            ExcludeModules = ReadSelector(obj, "exclude_modules", source),
        };
        var targets = obj["target_modules"];
        if (targets is JsonValue v && v.GetValueKind() == JsonValueKind.String && string.Equals(v.GetValue<string>(), "all-linear", StringComparison.OrdinalIgnoreCase))
            config = config with { TargetAllLinear = true };
        else
            config = config with { TargetModules = ReadSelector(obj, "target_modules", source) };
        config.Validate(source);
        return config;
    }

    private static JsonNode? Selector(ModuleSelector? selector) => selector switch
    {
        null => null,
        { Names: { } names } => new JsonArray([.. names.Select(n => JsonValue.Create(n))]),
        _ => JsonValue.Create(selector.Pattern),
    };

    /// <summary>A float as Python's json writes it (0.0, 0.05, 1e-05), so that the field reads back as a float.</summary>
    private static JsonNode PythonFloat(double value)
    {
        string text = value == Math.Floor(value) && Math.Abs(value) < 1e16
            ? value.ToString("0", CultureInfo.InvariantCulture) + ".0"
            : value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return JsonNode.Parse(text)!;
    }

    private static JsonValue Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);

    private static ModuleSelector? ReadSelector(JsonObject obj, string key, string source)
    {
        var node = obj[key];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String) return ModuleSelector.FromPattern(v.GetValue<string>(), $"{source}: {key}");
        var names = StringList(obj, key, source)!;
        if (names.Any(string.IsNullOrWhiteSpace)) throw new SharpTuneException($"{source}: key '{key}' has an empty module name");
        return ModuleSelector.FromNames(names);
    }

    private static LoraInit ReadInit(JsonObject obj, string source)
    {
        var node = obj["init_lora_weights"];
        if (node is null) return LoraInit.KaimingUniform;
        if (node is JsonValue v)
        {
            switch (v.GetValueKind())
            {
                case JsonValueKind.True:
                case JsonValueKind.False:
                    return LoraInit.KaimingUniform; // loaded weights replace the initial values either way
                case JsonValueKind.String when v.GetValue<string>() == "gaussian":
                    return LoraInit.Gaussian;
            }
        }
        throw new SharpTuneException(
            $"{source}: init_lora_weights {node.ToJsonString()} is not supported; initialisations that change the base weights "
            + "(PiSSA, OLoRA, LoftQ, CorDA, EVA, ...) need the adapter converted to plain LoRA first (init_lora_weights: true)");
    }

    private static void Reject(JsonObject obj, string source, string key, Func<JsonNode, bool> unsupported, string message)
    {
        var node = obj[key];
        if (node is not null && unsupported(node)) throw new SharpTuneException($"{source}: {message} (key '{key}': {node.ToJsonString()})");
    }

    private static bool IsTrue(JsonNode node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static bool IsEmpty(JsonNode node) => node switch
    {
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        JsonValue v => v.GetValueKind() is JsonValueKind.Null or JsonValueKind.False,
        _ => true,
    };

    /// <summary>A list of strings, or one string read as a one-item list; null when absent.</summary>
    private static List<string>? StringList(JsonObject obj, string key, string source)
    {
        var node = obj[key];
        if (node is null) return null;
        if (node is JsonValue one && one.GetValueKind() == JsonValueKind.String) return [one.GetValue<string>()];
        if (node is JsonArray arr && arr.All(i => i is JsonValue iv && iv.GetValueKind() == JsonValueKind.String))
            return arr.Select(i => i!.GetValue<string>()).ToList();
        throw new SharpTuneException($"{source}: key '{key}' must be a list of strings, got {node.ToJsonString()}");
    }

    /// <summary>A list of integers, or one integer read as a one-item list; null when absent.</summary>
    private static List<int>? IntList(JsonObject obj, string key, string source)
    {
        var node = obj[key];
        if (node is null) return null;
        var items = node is JsonArray arr ? arr.ToList() : [node];
        var result = new List<int>();
        foreach (var item in items)
        {
            if (item is JsonValue iv && iv.GetValueKind() == JsonValueKind.Number && int.TryParse(iv.ToJsonString(), out int i)) result.Add(i);
            else throw new SharpTuneException($"{source}: key '{key}' must be a layer index or a list of them, got {node.ToJsonString()}");
        }
        return result;
    }
}
