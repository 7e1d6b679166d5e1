using System.Globalization;
using SharpTune.Adapters.PromptLearning;
using SharpTune.Config;
using SharpTune.Models;
using SharpTune.Quantization;

namespace SharpTune.Adapters;

/// <summary>
/// The adapter part of a training config, under axolotl's key names for LoRA (<c>adapter: lora</c>, <c>lora_r</c>,
/// <c>lora_alpha</c>, <c>lora_dropout</c>, <c>lora_target_modules</c>, <c>lora_target_linear</c>,
/// <c>lora_modules_to_save</c>, <c>peft_use_rslora</c>, <c>peft_layers_to_transform</c>, <c>peft_layers_pattern</c>,
/// <c>peft_init_lora_weights</c>, <c>lora_model_dir</c>) and LLaMA-Factory's for freeze tuning (<c>adapter: freeze</c>,
/// <c>freeze_trainable_layers</c>, <c>freeze_trainable_modules</c>, <c>freeze_extra_modules</c>), and peft's for the
/// prompt-based methods (<c>adapter: prompt_tuning | prefix_tuning | p_tuning</c>, <c>num_virtual_tokens</c>,
/// <c>prompt_tuning_init</c>, <c>prompt_tuning_init_text</c>, <c>prefix_projection</c>, <c>encoder_hidden_size</c>,
/// <c>encoder_reparameterization_type</c>, <c>encoder_num_layers</c>, <c>encoder_dropout</c>). <c>adapter: qlora</c>
/// (axolotl's spelling) is LoRA on a 4-bit base; the base's quantization keys are <see cref="QuantizationConfig"/>'s.
/// </summary>
public sealed record AdapterSettings
{
    private static readonly string[] LoraKeys =
    [
        "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "lora_target_linear", "lora_modules_to_save",
        "peft_use_rslora", "peft_use_dora", "peft_layers_to_transform", "peft_layers_pattern", "peft_init_lora_weights",
        "lora_fan_in_fan_out", "lora_model_dir",
    ];

    private static readonly string[] FreezeKeys = ["freeze_trainable_layers", "freeze_trainable_modules", "freeze_extra_modules"];

    /// <summary>The prompt-method keys and the methods each applies to.</summary>
    private static readonly (string Key, AdapterKind[] Methods)[] PromptKeys =
    [
        ("num_virtual_tokens", [AdapterKind.PromptTuning, AdapterKind.PrefixTuning, AdapterKind.PTuning]),
        ("prompt_tuning_init", [AdapterKind.PromptTuning]),
        ("prompt_tuning_init_text", [AdapterKind.PromptTuning]),
        ("prefix_projection", [AdapterKind.PrefixTuning]),
        ("encoder_hidden_size", [AdapterKind.PrefixTuning, AdapterKind.PTuning]),
        ("encoder_reparameterization_type", [AdapterKind.PTuning]),
        ("encoder_num_layers", [AdapterKind.PTuning]),
        ("encoder_dropout", [AdapterKind.PTuning]),
    ];

    /// <summary><c>adapter</c>.</summary>
    public AdapterKind Kind { get; init; }

    /// <summary>The LoRA settings when <see cref="Kind"/> is <see cref="AdapterKind.Lora"/>.</summary>
    public LoraConfig? Lora { get; init; }

    /// <summary><c>lora_model_dir</c>: an existing peft adapter to load and continue training instead of a fresh one.</summary>
    public string? LoraModelDir { get; init; }

    /// <summary>The freeze settings when <see cref="Kind"/> is <see cref="AdapterKind.Freeze"/>.</summary>
    public FreezeConfig? Freeze { get; init; }

    /// <summary>How the frozen base weights are quantized (<c>adapter: qlora</c>, <c>load_in_4bit</c>, <c>load_in_8bit</c>); null for full precision.</summary>
    public QuantizationConfig? Quantization { get; init; }

    /// <summary>The prompt-method settings when <see cref="Kind"/> is prompt, prefix or P-tuning.</summary>
    public PromptLearningConfig? Prompt { get; init; }

    /// <summary>The method's name as users write it (and summary.json records it): full, freeze, lora, qlora (LoRA on a 4-bit base), prompt_tuning, prefix_tuning or p_tuning.</summary>
    public string Method => Kind switch
    {
        AdapterKind.Lora when Quantization is { Is4Bit: true } => "qlora",
        AdapterKind.Lora => "lora",
        AdapterKind.Freeze => "freeze",
        AdapterKind.PromptTuning => "prompt_tuning",
        AdapterKind.PrefixTuning => "prefix_tuning",
        AdapterKind.PTuning => "p_tuning",
        _ => "full",
    };

    /// <summary>Whether the base model's weights stay frozen (everything but full and freeze tuning).</summary>
    public bool FreezesBase => Kind is AdapterKind.Lora or AdapterKind.PromptTuning or AdapterKind.PrefixTuning or AdapterKind.PTuning;

    /// <summary>
    /// Reads the adapter keys of <paramref name="config"/>'s top level (marking them read); <c>lora_model_dir</c>
    /// resolves against the config file's folder.
    /// </summary>
    /// <exception cref="SharpTuneException">A value is invalid, a feature is unsupported, or LoRA/freeze keys are given for another adapter; the message names file, line and key.</exception>
    public static AdapterSettings FromYaml(YamlConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return FromYaml(config.Root, p => Path.GetFullPath(Path.Combine(config.Folder, p)));
    }

    /// <summary>
    /// Reads the adapter keys of <paramref name="yaml"/> (marking them read). <paramref name="resolvePath"/> turns
    /// <c>lora_model_dir</c> into a full path.
    /// </summary>
    /// <exception cref="SharpTuneException">As for <see cref="FromYaml(YamlConfigFile)"/>.</exception>
    public static AdapterSettings FromYaml(YamlSection yaml, Func<string, string>? resolvePath)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        string? adapter = yaml.String("adapter");
        string name = adapter?.Trim().ToLowerInvariant() ?? "";
        var kind = name switch
        {
            "" or "full" => AdapterKind.None,
            "lora" or "qlora" => AdapterKind.Lora,
            "freeze" => AdapterKind.Freeze,
            "prompt_tuning" => AdapterKind.PromptTuning,
            "prefix_tuning" => AdapterKind.PrefixTuning,
            "p_tuning" => AdapterKind.PTuning,
            _ => throw yaml.Error("adapter", $"unknown adapter '{adapter}' (use lora, qlora, freeze, prompt_tuning, prefix_tuning, p_tuning or full; leaving it out means full)"),
        };
        var quantization = QuantizationConfig.FromYaml(yaml, implied4Bit: name == "qlora");
        if (quantization is not null && kind != AdapterKind.Lora)
            throw yaml.Error(quantization.Is4Bit ? "load_in_4bit" : "load_in_8bit",
                "quantized base weights are frozen, so only an adapter trains on them: use adapter: qlora (or lora)");
        foreach (var key in LoraKeys.Where(yaml.Has))
            if (kind != AdapterKind.Lora) throw yaml.Error(key, "is a LoRA setting, but adapter is not lora");
        foreach (var key in FreezeKeys.Where(yaml.Has))
            if (kind != AdapterKind.Freeze) throw yaml.Error(key, "is a freeze-tuning setting, but adapter is not freeze");
        foreach (var (key, methods) in PromptKeys.Where(k => yaml.Has(k.Key)))
            if (!methods.Contains(kind))
                throw yaml.Error(key, $"applies to adapter {string.Join(" or ", methods.Select(m => new AdapterSettings { Kind = m }.Method))}, not {new AdapterSettings { Kind = kind }.Method}");

        return kind switch
        {
            AdapterKind.Lora => ReadLora(yaml, resolvePath) with { Quantization = quantization },
            AdapterKind.Freeze => new AdapterSettings { Kind = kind, Freeze = ReadFreeze(yaml) },
            AdapterKind.PromptTuning or AdapterKind.PrefixTuning or AdapterKind.PTuning => new AdapterSettings { Kind = kind, Prompt = ReadPrompt(yaml, kind) },
            _ => new AdapterSettings(),
        };
    }

    /// <summary>
    /// Prepares <paramref name="model"/> for training as these settings say: injects a fresh LoRA adapter (A seeded by
    /// <paramref name="seed"/>, <paramref name="baseModel"/> recorded as base_model_name_or_path), loads the one in
    /// <see cref="LoraModelDir"/> trainable, attaches a fresh prompt-method adapter (TEXT initialisation encodes with
    /// <paramref name="encode"/>), or freezes all but the freeze-tuning parameters. Afterwards the parameters with
    /// requires_grad are exactly the ones to train.
    /// </summary>
    /// <returns>The adapter saved as a peft folder, or null for full and freeze tuning.</returns>
    public IPeftAdapter? Apply(LlamaForCausalLM model, string baseModel, long seed, Func<string, IReadOnlyList<long>>? encode = null)
    {
        switch (Kind)
        {
            case AdapterKind.Lora when LoraModelDir is not null:
                return LoraModel.Load(model, LoraModelDir, trainable: true);
            case AdapterKind.Lora:
                return LoraModel.Inject(model, Lora! with { BaseModelNameOrPath = baseModel }, seed);
            case AdapterKind.Freeze:
                FreezeTuning.Apply(model, Freeze!);
                return null;
            case AdapterKind.PromptTuning or AdapterKind.PrefixTuning or AdapterKind.PTuning:
                var prompt = Prompt! with { BaseModelNameOrPath = baseModel };
                if (prompt.PromptTuningInit == "TEXT") prompt = prompt with { TokenizerNameOrPath = prompt.TokenizerNameOrPath ?? baseModel };
                return PromptLearningModel.Inject(model, prompt, encode);
            default:
                return null;
        }
    }

    private static AdapterSettings ReadLora(YamlSection yaml, Func<string, string>? resolvePath)
    {
        if (yaml.Bool("peft_use_dora", false)) throw yaml.Error("peft_use_dora", "DoRA is not supported yet");
        if (yaml.Bool("lora_fan_in_fan_out", false))
            throw yaml.Error("lora_fan_in_fan_out", "fan_in_fan_out is for GPT-2 style Conv1D layers, which these models do not have");
        // As peft: a list names modules, a single string is a regular expression over the whole module name.
        ModuleSelector? targets = null;
        if (yaml.Has("lora_target_modules"))
            targets = yaml.IsList("lora_target_modules")
                ? ModuleSelector.FromNames(yaml.StringList("lora_target_modules"))
                : Pattern(yaml, "lora_target_modules");
        var init = yaml.String("peft_init_lora_weights")?.ToLowerInvariant() switch
        {
            null or "true" => LoraInit.KaimingUniform,
            "gaussian" => LoraInit.Gaussian,
            var other => throw yaml.Error("peft_init_lora_weights", $"'{other}' is not supported (use true or gaussian)"),
        };
        var config = new LoraConfig
        {
            R = (int)Math.Clamp(yaml.Long("lora_r", 8), int.MinValue, int.MaxValue),
            Alpha = yaml.Double("lora_alpha", 8),
            Dropout = yaml.Double("lora_dropout", 0),
            TargetModules = targets,
            TargetAllLinear = yaml.Bool("lora_target_linear", false),
            ModulesToSave = yaml.StringList("lora_modules_to_save"),
            UseRslora = yaml.Bool("peft_use_rslora", false),
            LayersToTransform = yaml.Has("peft_layers_to_transform") ? Integers(yaml, "peft_layers_to_transform") : null,
            LayersPattern = yaml.Has("peft_layers_pattern") ? yaml.StringList("peft_layers_pattern") : null,
            Init = init,
        };
        config.Validate(yaml.File);
        string? dir = yaml.String("lora_model_dir");
        if (dir is not null && resolvePath is not null) dir = resolvePath(dir);
        return new AdapterSettings { Kind = AdapterKind.Lora, Lora = config, LoraModelDir = dir };
    }

    private static ModuleSelector Pattern(YamlSection yaml, string key)
    {
        string pattern = yaml.String(key) ?? "";
        return ModuleSelector.PatternError(pattern) is { } error ? throw yaml.Error(key, error) : ModuleSelector.FromPattern(pattern, key);
    }

    private static List<int> Integers(YamlSection yaml, string key) =>
        yaml.StringList(key).Select(item => int.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
            ? v
            : throw yaml.Error(key, $"expected a layer index or a list of them, got '{item}'")).ToList();

    /// <summary>A list, also accepted as one comma-separated value (LLaMA-Factory writes <c>mlp,self_attn</c>).</summary>
    private static IReadOnlyList<string> Names(YamlSection yaml, string key) =>
        yaml.StringList(key).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    private static PromptLearningConfig ReadPrompt(YamlSection yaml, AdapterKind kind)
    {
        var config = new PromptLearningConfig
        {
            Method = kind,
            NumVirtualTokens = (int)Math.Clamp(yaml.Long("num_virtual_tokens", 8), int.MinValue, int.MaxValue),
            PromptTuningInit = yaml.String("prompt_tuning_init")?.Trim().ToUpperInvariant() ?? "RANDOM",
            PromptTuningInitText = yaml.String("prompt_tuning_init_text"),
            PrefixProjection = yaml.Bool("prefix_projection", false),
            EncoderHiddenSize = yaml.Has("encoder_hidden_size") ? yaml.Long("encoder_hidden_size", 0) : null,
            EncoderReparameterizationType = yaml.String("encoder_reparameterization_type")?.Trim().ToUpperInvariant() ?? "MLP",
            EncoderNumLayers = (int)Math.Clamp(yaml.Long("encoder_num_layers", 2), int.MinValue, int.MaxValue),
            EncoderDropout = yaml.Double("encoder_dropout", 0),
        };
        if (config.NumVirtualTokens is < 1 or > 100_000) throw yaml.Error("num_virtual_tokens", "must be between 1 and 100000");
        if (config.EncoderHiddenSize is < 1 or > 1 << 20) throw yaml.Error("encoder_hidden_size", $"must be between 1 and {1 << 20}");
        if (config.PromptTuningInit is not ("RANDOM" or "TEXT"))
            throw yaml.Error("prompt_tuning_init", $"'{config.PromptTuningInit}' is not supported (use RANDOM or TEXT)");
        if (config.PromptTuningInit == "TEXT" && string.IsNullOrEmpty(config.PromptTuningInitText))
            throw yaml.Error("prompt_tuning_init", "TEXT needs prompt_tuning_init_text");
        if (config.EncoderReparameterizationType is not ("MLP" or "LSTM"))
            throw yaml.Error("encoder_reparameterization_type", $"'{config.EncoderReparameterizationType}' is not supported (use MLP or LSTM)");
        config.Validate(yaml.File);
        return config;
    }

    private static FreezeConfig ReadFreeze(YamlSection yaml) => new()
    {
        TrainableLayers = (int)Math.Clamp(yaml.Long("freeze_trainable_layers", 2), -100_000, 100_000),
        TrainableModules = yaml.Has("freeze_trainable_modules") ? Names(yaml, "freeze_trainable_modules") : ["all"],
        ExtraModules = Names(yaml, "freeze_extra_modules"),
    };
}
