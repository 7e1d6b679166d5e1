using SharpTune.Config;
using SharpTune.Models;

namespace SharpTune.Adapters;

/// <summary>
/// The adapter part of a training config, under axolotl's key names for LoRA (<c>adapter: lora</c>, <c>lora_r</c>,
/// <c>lora_alpha</c>, <c>lora_dropout</c>, <c>lora_target_modules</c>, <c>lora_target_linear</c>,
/// <c>lora_modules_to_save</c>, <c>peft_use_rslora</c>, <c>peft_layers_to_transform</c>, <c>peft_layers_pattern</c>,
/// <c>peft_init_lora_weights</c>, <c>lora_model_dir</c>) and LLaMA-Factory's for freeze tuning (<c>adapter: freeze</c>,
/// <c>freeze_trainable_layers</c>, <c>freeze_trainable_modules</c>, <c>freeze_extra_modules</c>).
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

    /// <summary><c>adapter</c>.</summary>
    public AdapterKind Kind { get; init; }

    /// <summary>The LoRA settings when <see cref="Kind"/> is <see cref="AdapterKind.Lora"/>.</summary>
    public LoraConfig? Lora { get; init; }

    /// <summary><c>lora_model_dir</c>: an existing peft adapter to load and continue training instead of a fresh one.</summary>
    public string? LoraModelDir { get; init; }

    /// <summary>The freeze settings when <see cref="Kind"/> is <see cref="AdapterKind.Freeze"/>.</summary>
    public FreezeConfig? Freeze { get; init; }

    /// <summary>
    /// Reads the adapter keys of <paramref name="yaml"/> (marking them read). <paramref name="resolvePath"/> turns
    /// <c>lora_model_dir</c> into a full path (relative to the config file, say).
    /// </summary>
    /// <exception cref="SharpTuneException">A value is invalid, a feature is unsupported, or LoRA/freeze keys are given for another adapter; the message names file, line and key.</exception>
    public static AdapterSettings FromYaml(YamlConfigFile yaml, Func<string, string>? resolvePath = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        string? adapter = yaml.String("adapter");
        var kind = adapter?.Trim().ToLowerInvariant() switch
        {
            null or "" => AdapterKind.None,
            "lora" => AdapterKind.Lora,
            "freeze" => AdapterKind.Freeze,
            "qlora" => throw new SharpTuneException($"{yaml.Where("adapter")}: qlora is not supported yet (use lora)"),
            _ => throw new SharpTuneException($"{yaml.Where("adapter")}: unknown adapter '{adapter}' (use lora or freeze, or leave it out for full fine-tuning)"),
        };
        foreach (var key in LoraKeys.Where(yaml.Has))
            if (kind != AdapterKind.Lora) throw new SharpTuneException($"{yaml.Where(key)}: is a LoRA setting, but adapter is not lora");
        foreach (var key in FreezeKeys.Where(yaml.Has))
            if (kind != AdapterKind.Freeze) throw new SharpTuneException($"{yaml.Where(key)}: is a freeze-tuning setting, but adapter is not freeze");

        return kind switch
        {
            AdapterKind.Lora => ReadLora(yaml, resolvePath),
            AdapterKind.Freeze => new AdapterSettings { Kind = kind, Freeze = ReadFreeze(yaml) },
            _ => new AdapterSettings(),
        };
    }

    /// <summary>
    /// Prepares <paramref name="model"/> for training as these settings say: injects a fresh LoRA adapter (A seeded by
    /// <paramref name="seed"/>, <paramref name="baseModel"/> recorded as base_model_name_or_path), loads the one in
    /// <see cref="LoraModelDir"/> trainable, or freezes all but the freeze-tuning parameters. Afterwards the parameters
    /// with requires_grad are exactly the ones to train.
    /// </summary>
    /// <returns>The LoRA adapter, or null for full and freeze tuning.</returns>
    public LoraModel? Apply(LlamaForCausalLM model, string baseModel, long seed)
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
            default:
                return null;
        }
    }

    private static AdapterSettings ReadLora(YamlConfigFile yaml, Func<string, string>? resolvePath)
    {
        if (yaml.Bool("peft_use_dora", false)) throw new SharpTuneException($"{yaml.Where("peft_use_dora")}: DoRA is not supported yet");
        if (yaml.Bool("lora_fan_in_fan_out", false))
            throw new SharpTuneException($"{yaml.Where("lora_fan_in_fan_out")}: fan_in_fan_out is for GPT-2 style Conv1D layers, which these models do not have");
        var (targetPattern, targetList) = yaml.StringOrList("lora_target_modules");
        var init = yaml.String("peft_init_lora_weights")?.ToLowerInvariant() switch
        {
            null or "true" => LoraInit.KaimingUniform,
            "gaussian" => LoraInit.Gaussian,
            var other => throw new SharpTuneException($"{yaml.Where("peft_init_lora_weights")}: '{other}' is not supported (use true or gaussian)"),
        };
        var layers = yaml.LongList("peft_layers_to_transform");
        var config = new LoraConfig
        {
            R = (int)Math.Clamp(yaml.Long("lora_r", 8), int.MinValue, int.MaxValue),
            Alpha = yaml.Double("lora_alpha", 8),
            Dropout = yaml.Double("lora_dropout", 0),
            TargetModules = targetList is not null ? ModuleSelector.FromNames(targetList)
                : targetPattern is not null ? ModuleSelector.FromPattern(targetPattern, yaml.Where("lora_target_modules")) : null,
            TargetAllLinear = yaml.Bool("lora_target_linear", false),
            ModulesToSave = yaml.StringList("lora_modules_to_save") ?? [],
            UseRslora = yaml.Bool("peft_use_rslora", false),
            LayersToTransform = layers?.Select(l => (int)Math.Clamp(l, -1, int.MaxValue)).ToList(),
            LayersPattern = yaml.StringList("peft_layers_pattern"),
            Init = init,
        };
        config.Validate(yaml.Path);
        string? dir = yaml.String("lora_model_dir");
        if (dir is not null && resolvePath is not null) dir = resolvePath(dir);
        return new AdapterSettings { Kind = AdapterKind.Lora, Lora = config, LoraModelDir = dir };
    }

    private static FreezeConfig ReadFreeze(YamlConfigFile yaml) => new()
    {
        TrainableLayers = (int)Math.Clamp(yaml.Long("freeze_trainable_layers", 2), -100_000, 100_000),
        TrainableModules = yaml.StringList("freeze_trainable_modules") ?? ["all"],
        ExtraModules = yaml.StringList("freeze_extra_modules") ?? [],
    };
}
