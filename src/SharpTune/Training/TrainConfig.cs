using SharpTune.Adapters;
using SharpTune.Config;
using SharpTune.Data;
using SharpTune.Training.Distillation;
using SharpTune.Training.Alignment;
using SharpTune.Training.Optimization;

namespace SharpTune.Training;

/// <summary>
/// Everything a causal-LM training run (pretraining or SFT) is told, under axolotl's key names: the data keys
/// (<see cref="DataConfig"/>), the adapter keys (<see cref="AdapterSettings"/>) and the trainer's own, read from one
/// YAML file. Unknown keys, wrong types and impossible combinations fail with the file, line and key.
/// </summary>
public sealed record TrainConfig
{
    /// <summary>The config file.</summary>
    public required string ConfigFile { get; init; }

    /// <summary>A SHA-256 of the config file and the overrides: summary.json records it, so a finished run can tell whether it still matches its config.</summary>
    public string Fingerprint { get; init; } = "";
    /// <summary>The data settings (datasets, sequence_len, packing, validation split, template, cleaning).</summary>
    public required DataConfig Data { get; init; }
    /// <summary>The tuning method: full (no <c>adapter</c>), <c>adapter: lora</c> or <c>adapter: freeze</c>.</summary>
    public required AdapterSettings Adapter { get; init; }
    /// <summary><c>base_model</c>: an HF model folder, or <c>preset:NAME</c> to start from a fresh model.</summary>
    public required string BaseModel { get; init; }
    /// <summary>When <c>base_model</c> is <c>run:OTHER.yaml</c>: that config, whose output is the base model (trained first when missing or stale).</summary>
    public string? BaseRun { get; init; }

    /// <summary><c>train_tokenizer</c>: learn a tokenizer from the text datasets before pretraining a preset from scratch.</summary>
    public TokenizerTraining? TrainTokenizer { get; init; }

    /// <summary><c>overrides_of_model_config</c>: config.json keys changed in a <c>preset:</c> model, e.g. <c>{hidden_size: 128}</c>.</summary>
    public IReadOnlyDictionary<string, string> ModelConfigOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary><c>output_dir</c>.</summary>
    public required string OutputDir { get; init; }
    /// <summary>The alignment stages' keys (reward, dpo, ppo): β, loss type, reward model, PPO's knobs.</summary>
    public AlignmentSettings Alignment { get; init; } = new();

    /// <summary>
    /// <c>stage</c>: pretrain or sft (by default pretrain when every dataset is text, else sft); reward, dpo (also
    /// axolotl's <c>rl: dpo</c> / <c>rl: ipo</c>) or ppo for the alignment stages.
    /// </summary>
    public required string Stage { get; init; }
    /// <summary><c>micro_batch_size</c>: rows per forward pass.</summary>
    public int MicroBatchSize { get; init; } = 2;
    /// <summary><c>gradient_accumulation_steps</c>: micro-batches per optimizer step.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;
    /// <summary><c>num_epochs</c>.</summary>
    public double NumEpochs { get; init; } = 1;
    /// <summary><c>max_steps</c>: optimizer steps; when set, it decides the length of the run instead of num_epochs.</summary>
    public long? MaxSteps { get; init; }
    /// <summary><c>learning_rate</c>: the peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-4;
    /// <summary><c>lr_scheduler</c>: constant, linear or cosine.</summary>
    public string LrScheduler { get; init; } = "cosine";
    /// <summary><c>warmup_steps</c>, or <c>warmup_ratio</c> of the total steps.</summary>
    public long? WarmupSteps { get; init; }
    /// <summary><c>warmup_ratio</c>.</summary>
    public double? WarmupRatio { get; init; }
    /// <summary><c>optimizer</c>: one of <see cref="OptimizerChoice.Names"/> (adamw, sgd, the 8-bit and paged AdamW of bitsandbytes).</summary>
    public string Optimizer { get; init; } = "adamw";
    /// <summary><c>adam_beta1</c>.</summary>
    public double AdamBeta1 { get; init; } = 0.9;
    /// <summary><c>adam_beta2</c>.</summary>
    public double AdamBeta2 { get; init; } = 0.999;
    /// <summary><c>adam_epsilon</c>.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary><c>sgd_momentum</c>.</summary>
    public double SgdMomentum { get; init; } = 0.9;
    /// <summary><c>weight_decay</c> (decoupled for AdamW; never on norms and biases).</summary>
    public double WeightDecay { get; init; }
    /// <summary><c>max_grad_norm</c>: the global gradient norm is clipped to this; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary><c>bf16</c>: auto (bf16 frozen weights on CUDA, fp32 on CPU), true or false.</summary>
    public string Bf16 { get; init; } = "auto";
    /// <summary><c>gradient_checkpointing</c>.</summary>
    public bool GradientCheckpointing { get; init; }
    /// <summary><c>logging_steps</c>: a metrics line every this many steps.</summary>
    public long LoggingSteps { get; init; } = 1;
    /// <summary><c>eval_steps</c>: validation loss every this many steps (and at the end); by default ten times a run.</summary>
    public long? EvalSteps { get; init; }
    /// <summary><c>save_steps</c>: a checkpoint every this many steps; by default at each evaluation.</summary>
    public long? SaveSteps { get; init; }
    /// <summary><c>save_total_limit</c>: keep at most this many checkpoints (plus the best).</summary>
    public int? SaveTotalLimit { get; init; }
    /// <summary><c>early_stopping_patience</c>: stop after this many evaluations without improvement, keeping the best weights.</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary><c>early_stopping_threshold</c>: the least fall in validation loss that counts as improvement.</summary>
    public double EarlyStoppingThreshold { get; init; }
    /// <summary><c>seed</c>.</summary>
    public long Seed { get; init; } = 42;
    /// <summary>
    /// <c>zero_stage</c> (DeepSpeed's ZeRO, with several processes): 0 plain data parallelism, 1 optimizer state sharded
    /// across the ranks, 2 gradients sharded too. No effect in a single process.
    /// </summary>
    public int ZeroStage { get; init; }
    /// <summary><c>device</c>: auto, cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "auto";
    /// <summary><c>sample_prompt</c>: text continued greedily at the end of the run, shown and saved in summary.json.</summary>
    public string? SamplePrompt { get; init; }

    /// <summary><c>objective</c>: <c>clm</c> (causal LM, the default) or <c>mlm</c> (masked LM: a BERT encoder, with <c>stage: pretrain</c>).</summary>
    public string Objective { get; init; } = "clm";

    /// <summary><c>mlm_probability</c>: the share of tokens masked for masked-LM training (0.15).</summary>
    public double MlmProbability { get; init; } = 0.15;

    /// <summary>With <c>stage: distill</c>: the teacher and the <c>kd_*</c> settings.</summary>
    public DistillationSettings? Distillation { get; init; }

    /// <summary>Whether the stage trains answers to prompts (sft, distill), so exact match and the chat template apply.</summary>
    public bool IsSupervised => Stage is "sft" or "distill";

    /// <summary>The keys this reader owns at the top level, besides the data and adapter keys.</summary>
    public static readonly IReadOnlyList<string> TrainerKeys =
    [
        "stage", "micro_batch_size", "gradient_accumulation_steps", "num_epochs", "max_steps", "learning_rate", "lr_scheduler",
        "warmup_steps", "warmup_ratio", "optimizer", "adam_beta1", "adam_beta2", "adam_epsilon", "sgd_momentum", "weight_decay",
        "max_grad_norm", "bf16", "gradient_checkpointing", "logging_steps", "eval_steps", "save_steps", "save_total_limit",
        "early_stopping_patience", "early_stopping_threshold", "device", "sample_prompt", "zero_stage",
        "train_tokenizer", "overrides_of_model_config", "objective", "mlm_probability",
    ];

    /// <summary>Reads and checks the config at <paramref name="path"/> with <paramref name="overrides"/> (<c>key=value</c>) applied.</summary>
    public static TrainConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        var yaml = YamlConfigFile.Load(path, overrides ?? []);
        var data = DataConfig.Read(yaml);
        var adapter = AdapterSettings.FromYaml(yaml);
        var root = yaml.Root;
        string baseModel = data.BaseModel ?? throw new SharpTuneException($"{path}: required key 'base_model' is missing (an HF model folder, or preset:NAME)");
        string outputDir = data.OutputDir ?? throw new SharpTuneException($"{path}: required key 'output_dir' is missing");
        bool allText = data.Datasets.All(d => d.Format == DatasetFormat.Text);
        string? rl = root.String("rl");
        if (rl is not (null or "dpo" or "ipo" or "orpo")) throw root.Error("rl", $"expected dpo, ipo or orpo (or stage: reward / ppo), got '{rl}'");
        string rlStage = rl == "orpo" ? "orpo" : "dpo";
        string stage = root.String("stage") ?? (rl is not null ? rlStage : allText ? "pretrain" : "sft");
        if (stage is not ("pretrain" or "sft" or "distill" or "reward" or "dpo" or "orpo" or "ppo"))
            throw root.Error("stage", $"expected pretrain, sft, distill, reward, dpo, orpo or ppo, got '{stage}'");
        if (rl is not null && stage != rlStage) throw root.Error("rl", $"is for stage {rlStage}, not {stage}");
        var distillation = DistillationSettings.Read(yaml, outputDir);
        if (stage == "distill" && distillation is null) throw root.Error("stage", "distill needs teacher_model (a model folder, an adapter folder or run:OTHER.yaml)");
        if (stage != "distill" && distillation is not null) throw root.Error("teacher_model", "a teacher is used only with stage: distill");
        bool pairStage = stage is "reward" or "dpo" or "orpo" or "ppo";
        if (!pairStage && data.Datasets.FirstOrDefault(d => d.Format == DatasetFormat.Preference) is { } pref)
            throw new SharpTuneException($"{pref.ConfigPosition}: preference data is for reward modelling, DPO and PPO, not {stage}");
        if (pairStage && data.Datasets.FirstOrDefault(d => d.Format != DatasetFormat.Preference) is { } other)
            throw new SharpTuneException($"{other.ConfigPosition}: stage {stage} takes preference data (prompt, chosen, rejected), got {other.Format.ToString().ToLowerInvariant()}");
        var alignment = AlignmentSettings.Read(root, yaml.Folder);
        foreach (var key in AlignmentSettings.Keys.Where(k => k != "rl" && root.Has(k)))
        {
            bool applies = key switch
            {
                "rl_beta" or "dpo_beta" or "rl_loss_type" or "dpo_label_smoothing" or "precompute_ref_log_probs" => stage == "dpo",
                "orpo_alpha" => stage == "orpo",
                _ => stage == "ppo",
            };
            if (!applies) throw root.Error(key, $"is not a setting of stage {stage}");
        }
        if (stage == "ppo" && alignment.RewardModel is null) throw root.Error("stage", "ppo needs reward_model: a reward model folder, or run:REWARD.yaml");

        long Positive(string key, long fallback)
        {
            long v = root.Long(key, fallback);
            return v >= 1 ? v : throw root.Error(key, $"must be at least 1, got {v}");
        }
        long? OptionalPositive(string key) => root.OptionalLong(key) is { } v
            ? (v >= 1 ? v : throw root.Error(key, $"must be at least 1, got {v}"))
            : null;
        double NonNegative(string key, double fallback)
        {
            double v = root.Double(key, fallback);
            return v >= 0 && double.IsFinite(v) ? v : throw root.Error(key, $"must be a number ≥ 0, got {v}");
        }

        bool fromPreset = baseModel.StartsWith("preset:", StringComparison.Ordinal);
        var trainTokenizer = root.Section("train_tokenizer") is { } tt ? TokenizerTraining.Read(tt) : null;
        if (trainTokenizer is not null && !fromPreset)
            throw root.Error("train_tokenizer", "a tokenizer is learned only for a fresh model (base_model: preset:NAME); a model folder brings its own");
        if (trainTokenizer is not null && data.Tokenizer is not null)
            throw root.Error("train_tokenizer", "give tokenizer (a folder) or train_tokenizer, not both");
        var modelOverrides = root.StringMap("overrides_of_model_config");
        if (modelOverrides.Count > 0 && !fromPreset)
            throw root.Error("overrides_of_model_config", "only a fresh model (base_model: preset:NAME) can change its shape");

        long zeroStage = root.Long("zero_stage", 0);
        if (zeroStage == 3)
            throw root.Error("zero_stage", "stage 3 (parameters sharded and gathered per layer) is not implemented; use 1 (optimizer state sharded) or 2 (gradients too)");
        if (zeroStage is < 0 or > 3) throw root.Error("zero_stage", $"expected 0, 1 or 2, got {zeroStage}");

        var config = new TrainConfig
        {
            ConfigFile = path,
            Fingerprint = FingerprintOf(path, overrides),
            // A learned tokenizer is written to output_dir, and the data is tokenized with it from there.
            Data = trainTokenizer is null ? data : data with { Tokenizer = outputDir },
            BaseRun = data.BaseRun,
            TrainTokenizer = trainTokenizer,
            ModelConfigOverrides = modelOverrides,
            Adapter = adapter,
            Alignment = alignment,
            BaseModel = baseModel,
            OutputDir = outputDir,
            Stage = stage,
            MicroBatchSize = (int)Math.Min(Positive("micro_batch_size", 2), 1 << 20),
            GradientAccumulationSteps = (int)Math.Min(Positive("gradient_accumulation_steps", 1), 1 << 20),
            NumEpochs = NonNegative("num_epochs", 1),
            MaxSteps = OptionalPositive("max_steps"),
            LearningRate = NonNegative("learning_rate", 2e-4),
            LrScheduler = root.String("lr_scheduler") ?? "cosine",
            WarmupSteps = root.OptionalLong("warmup_steps"),
            WarmupRatio = root.Has("warmup_ratio") ? root.Double("warmup_ratio", 0) : null,
            Optimizer = root.String("optimizer") ?? "adamw",
            AdamBeta1 = root.Double("adam_beta1", 0.9),
            AdamBeta2 = root.Double("adam_beta2", 0.999),
            AdamEpsilon = root.Double("adam_epsilon", 1e-8),
            SgdMomentum = NonNegative("sgd_momentum", 0.9),
            WeightDecay = NonNegative("weight_decay", 0),
            MaxGradNorm = NonNegative("max_grad_norm", 1.0),
            Bf16 = (root.String("bf16") ?? "auto").ToLowerInvariant(),
            GradientCheckpointing = root.Bool("gradient_checkpointing", false),
            LoggingSteps = Positive("logging_steps", 1),
            EvalSteps = OptionalPositive("eval_steps"),
            SaveSteps = OptionalPositive("save_steps"),
            SaveTotalLimit = OptionalPositive("save_total_limit") is { } limit ? (int)Math.Min(limit, int.MaxValue) : null,
            EarlyStoppingPatience = OptionalPositive("early_stopping_patience") is { } patience ? (int)Math.Min(patience, int.MaxValue) : null,
            EarlyStoppingThreshold = NonNegative("early_stopping_threshold", 0),
            Seed = data.Seed,
            ZeroStage = (int)zeroStage,
            Device = root.String("device") ?? "auto",
            SamplePrompt = root.String("sample_prompt"),
            Distillation = distillation,
            Objective = root.String("objective") ?? "clm",
            MlmProbability = root.Double("mlm_probability", 0.15),
        };
        yaml.RejectUnknownKeys();

        if (!LearningRateSchedule.Kinds.Contains(config.LrScheduler))
            throw root.Error("lr_scheduler", $"expected {string.Join(", ", LearningRateSchedule.Kinds)}, got '{config.LrScheduler}'");
        if (!OptimizerChoice.Names.Contains(config.Optimizer))
            throw root.Error("optimizer", $"expected {OptimizerChoice.Expected}, got '{config.Optimizer}'");
        if (config.Bf16 is not ("auto" or "true" or "false"))
            throw root.Error("bf16", $"expected auto, true or false, got '{config.Bf16}'");
        if (config.WarmupSteps is not null && config.WarmupRatio is not null)
            throw root.Error("warmup_ratio", "give warmup_steps or warmup_ratio, not both");
        if (config.WarmupSteps is < 0) throw root.Error("warmup_steps", $"must be ≥ 0, got {config.WarmupSteps}");
        if (config.WarmupRatio is < 0 or >= 1) throw root.Error("warmup_ratio", $"must be in [0, 1), got {config.WarmupRatio}");
        if (config.MaxSteps is null && config.NumEpochs <= 0) throw root.Error("num_epochs", "must be above 0 (or set max_steps)");
        if (!(config.LearningRate > 0)) throw root.Error("learning_rate", "must be above 0");
        if (config.AdamBeta1 is < 0 or >= 1) throw root.Error("adam_beta1", $"must be in [0, 1), got {config.AdamBeta1}");
        if (config.AdamBeta2 is < 0 or >= 1) throw root.Error("adam_beta2", $"must be in [0, 1), got {config.AdamBeta2}");
        if (config.EarlyStoppingPatience is not null && data.ValSetSize <= 0)
            throw root.Error("early_stopping_patience", "needs a validation set: set val_set_size");
        if (config.EvalSteps is not null && data.ValSetSize <= 0)
            throw root.Error("eval_steps", "needs a validation set: set val_set_size");
        if (config.Objective is not ("clm" or "mlm")) throw root.Error("objective", $"expected clm or mlm, got '{config.Objective}'");
        if (config.Objective == "mlm")
        {
            if (stage != "pretrain") throw root.Error("objective", "mlm is a pretraining objective: use it with stage: pretrain");
            if (adapter.Kind != AdapterKind.None) throw root.Error("adapter", "masked-LM pretraining trains the whole encoder; adapters are not supported with objective: mlm");
            if (data.SamplePacking) throw root.Error("sample_packing", "masked-LM rows are not packed (the encoder attends across the whole row)");
            if (config.EarlyStoppingPatience is not null) throw root.Error("early_stopping_patience", "is not supported with objective: mlm");
            if (trainTokenizer is { Type: not "wordpiece" }) throw root.Error("train_tokenizer", "a BERT encoder needs type: wordpiece");
            if (!(config.MlmProbability is > 0 and < 1)) throw root.Error("mlm_probability", $"must be in (0, 1), got {config.MlmProbability}");
        }
        else
        {
            if (root.Has("mlm_probability")) throw root.Error("mlm_probability", "is for objective: mlm");
            if (trainTokenizer is { Type: "wordpiece" }) throw root.Error("train_tokenizer", "type: wordpiece is for BERT encoders (objective: mlm)");
        }
        if (distillation is { TopK: not null } && data.SamplePacking)
            throw root.Error("kd_top_k", "the cached teacher logits are looked up per sample: turn sample_packing off");
        if (distillation is not null && trainTokenizer is not null)
            throw root.Error("train_tokenizer", "a distilled student shares the teacher's tokenizer; it cannot learn its own");
        if (pairStage && config.EarlyStoppingPatience is not null)
            throw root.Error("early_stopping_patience", $"stage {stage} does not stop early; set max_steps or num_epochs");
        if (pairStage && data.SamplePacking)
            throw root.Error("sample_packing", $"stage {stage} compares whole sequences, which are never packed");
        if (pairStage && config.SamplePrompt is not null)
            throw root.Error("sample_prompt", $"is for pretraining and sft; stage {stage} reports its own held-out numbers");
        if (pairStage && config.TrainTokenizer is not null) throw root.Error("train_tokenizer", $"stage {stage} starts from a trained model, which brings its own tokenizer");
        if (stage == "ppo" && adapter.Kind != Adapters.AdapterKind.Lora)
            throw root.Error("stage", "ppo trains a LoRA policy (adapter: lora), whose disabled adapter is the reference model");
        if (stage is "dpo" or "orpo" or "reward" && adapter.Kind is not (Adapters.AdapterKind.None or Adapters.AdapterKind.Lora))
            throw root.Error("adapter", $"stage {stage} trains in full or with LoRA, not with {adapter.Method}");
        if (stage == "reward" && adapter.Quantization is not null)
            throw root.Error("adapter", "the reward stage trains an unquantized model: use adapter: lora (or full)");
        if (stage == "pretrain" && !allText)
            throw root.Error("stage", "pretrain takes text datasets; chat and instruction data are for sft");
        return config;
    }

    /// <summary>The run in words for logs and plot titles, e.g. "sft with LoRA (r=16, alpha=32)".</summary>
    public string Describe() => Adapter.Kind switch
    {
        Adapters.AdapterKind.Lora => $"{Stage} with {(Adapter.Method == "qlora" ? "QLoRA" : "LoRA")} (r={Adapter.Lora!.R}, alpha={Adapter.Lora.Alpha})",
        Adapters.AdapterKind.Freeze => $"{Stage} with freeze tuning",
        Adapters.AdapterKind.PromptTuning or Adapters.AdapterKind.PrefixTuning or Adapters.AdapterKind.PTuning =>
            $"{Stage} with {Adapter.Method} ({Adapter.Prompt!.NumVirtualTokens} virtual tokens)",
        _ => $"{Stage}, full fine-tuning",
    };

    private static string FingerprintOf(string path, IEnumerable<string>? overrides)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(path));
        foreach (var o in overrides ?? []) hash.AppendData(System.Text.Encoding.UTF8.GetBytes("\n--set " + o));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
