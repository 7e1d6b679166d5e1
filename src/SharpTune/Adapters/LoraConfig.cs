namespace SharpTune.Adapters;

/// <summary>
/// The settings of a LoRA adapter, as peft's <c>LoraConfig</c> holds them (and <c>adapter_config.json</c> stores
/// them). Defaults are peft's: r = 8, lora_alpha = 8, no dropout, q_proj and v_proj for Llama-family models.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>peft's default targets for llama, mistral and qwen2 when target_modules is not given.</summary>
    public static readonly IReadOnlyList<string> DefaultTargets = ["q_proj", "v_proj"];

    /// <summary><c>r</c>: the rank of the update B·A.</summary>
    public int R { get; init; } = 8;

    /// <summary><c>lora_alpha</c>: the update is scaled by alpha / r (alpha / √r with rsLoRA).</summary>
    public double Alpha { get; init; } = 8;

    /// <summary><c>lora_dropout</c>: dropout probability on the input of the LoRA path, applied in training mode only.</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// <c>target_modules</c>: which linear layers get LoRA. Null with <see cref="TargetAllLinear"/> false means
    /// peft's architecture default, <see cref="DefaultTargets"/>.
    /// </summary>
    public ModuleSelector? TargetModules { get; init; }

    /// <summary>
    /// peft's <c>"all-linear"</c> (axolotl's <c>lora_target_linear</c>): every linear layer except the output head
    /// <c>lm_head</c>, together with any names in <see cref="TargetModules"/>.
    /// </summary>
    public bool TargetAllLinear { get; init; }

    /// <summary><c>exclude_modules</c>: modules never adapted, even when targeted.</summary>
    public ModuleSelector? ExcludeModules { get; init; }

    /// <summary><c>use_rslora</c>: scale by alpha / √r (rank-stabilised LoRA) instead of alpha / r.</summary>
    public bool UseRslora { get; init; }

    /// <summary>
    /// <c>modules_to_save</c>: modules trained in full alongside the adapter and saved in it (e.g. <c>embed_tokens</c>,
    /// <c>lm_head</c> after adding tokens); matched like a name list of <see cref="ModuleSelector"/>.
    /// </summary>
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];

    /// <summary><c>layers_to_transform</c>: only these decoder layer indices get LoRA; null for all.</summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }

    /// <summary><c>layers_pattern</c>: the name of the layer list in module names (e.g. <c>layers</c>); null for any.</summary>
    public IReadOnlyList<string>? LayersPattern { get; init; }

    /// <summary><c>init_lora_weights</c>.</summary>
    public LoraInit Init { get; init; } = LoraInit.KaimingUniform;

    /// <summary><c>base_model_name_or_path</c>: the model the adapter was trained on, recorded in adapter_config.json.</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary><c>revision</c>: the base model's revision, recorded in adapter_config.json.</summary>
    public string? Revision { get; init; }

    /// <summary><c>task_type</c>: CAUSAL_LM, or SEQ_CLS for a sequence classifier (a reward model, whose <c>score</c> head is a module to save).</summary>
    public string TaskType { get; init; } = "CAUSAL_LM";

    /// <summary>The factor the update B·A is multiplied by: alpha / r, or alpha / √r with rsLoRA.</summary>
    public double Scaling => UseRslora ? Alpha / Math.Sqrt(R) : Alpha / R;

    /// <summary>Checks the values; <paramref name="source"/> names the config in the error.</summary>
    /// <exception cref="SharpTuneException">A value is out of range.</exception>
    public void Validate(string source)
    {
        if (R < 1) throw new SharpTuneException($"{source}: r (lora_r) must be a positive integer, got {R}");
        if (!double.IsFinite(Alpha) || Alpha <= 0) throw new SharpTuneException($"{source}: lora_alpha must be a positive number, got {Alpha}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new SharpTuneException($"{source}: lora_dropout must be in [0, 1), got {Dropout}");
        if (TargetAllLinear && TargetModules is { IsList: false })
            throw new SharpTuneException($"{source}: all-linear targets cannot be combined with a target_modules regular expression");
        if (LayersToTransform?.Any(i => i < 0) == true)
            throw new SharpTuneException($"{source}: layers_to_transform must list layer indices ≥ 0");
        if (ModulesToSave.Any(string.IsNullOrWhiteSpace)) throw new SharpTuneException($"{source}: modules_to_save has an empty name");
    }
}
