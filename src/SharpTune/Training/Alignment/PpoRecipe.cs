using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Inference;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Reporting;
using SharpTune.Training.Checkpoints;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// RLHF with PPO (<c>stage: ppo</c>), as InstructGPT and TRL do it: a LoRA policy on the SFT model samples replies to
/// prompts (KV-cached generation), the frozen reward model scores them, each token pays a KL penalty to the reference
/// policy (the same model with its adapter disabled; fixed or adaptive coefficient), GAE turns rewards and the value
/// head's estimates into advantages, and several epochs of clipped policy and value updates follow on every batch
/// of rollouts. Logs mean reward, KL, entropy and clip fraction; summary.json reports the mean reward of the
/// policy's samples on held-out prompts before and after, and the KL to the reference at the end.
/// </summary>
public sealed class PpoRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>The value head's weights beside the adapter (TRL's <c>v_head.*</c> names).</summary>
    public const string ValueHeadFile = "value_head.safetensors";

    private const string KlFile = "kl_coef.json";

    private readonly AlignmentSettings settings = config.Alignment;

    /// <summary>Runs the training (continuing from the newest checkpoint with <paramref name="resume"/>); returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var (device, context, data) = PreferenceStageStart.Prepare(config, log);
        var trainPrompts = Prompts(data.TrainPairs);
        var evalPrompts = Prompts(data.ValidationPairs).Take(settings.EvalPrompts).ToList();
        if (trainPrompts.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: no prompts are left for PPO after preparing the data");
        if (evalPrompts.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: stage ppo measures held-out prompts: set val_set_size");
        // What the chat template writes after a finished reply (e.g. the newline after <|im_end|>): the reward model saw it in training.
        var suffix = Suffix(data.TrainPairs[0].Chosen);

        using var policy = CausalLmModels.Load(config, device, log);
        var lora = (LoraModel)config.Adapter.Apply(policy, config.BaseModel, config.Seed)!; // TrainConfig requires LoRA for ppo
        if (lora.ModulesToSave.Count > 0)
            throw new SharpTuneException($"{config.ConfigFile}: lora_modules_to_save: PPO's reference is the policy with its adapter disabled, which modules trained in place would change; leave them out");
        using var valueHead = new ValueHead(policy.Config.HiddenSize, policy.Config.InitializerRange, config.Seed, device);
        var trainable = TrainableParameter.Of(policy)
            .Concat(TrainableParameter.Of(valueHead).Select(p => p with { Name = "v_head." + p.Name }))
            .ToList();
        using var reward = LoadRewardModel(device);
        if (reward.Config.VocabSize != policy.Config.VocabSize)
            throw new SharpTuneException($"{settings.RewardModel}: the reward model's vocabulary ({reward.Config.VocabSize}) is not the policy's ({policy.Config.VocabSize}); train it from the same base");
        var stopIds = ChatSession.FindStopIds(policy.Config, context.Tokenizer, ChatSession.FindEndOfTurn(context.Template.Template));
        var run = new PpoRollouts(policy, lora, valueHead, reward, stopIds, suffix, data.PadId, settings, device);
        log($"{config.Describe()} on {device}: {TrainableParameterCount.Of(policy)} + value head; reward model {settings.RewardModel}; "
            + $"{trainPrompts.Count} training and {evalPrompts.Count} held-out prompts");

        long totalSteps = config.MaxSteps ?? Math.Max(1, (long)Math.Ceiling(config.NumEpochs * trainPrompts.Count / settings.RolloutBatchSize));
        long warmup = config.WarmupSteps ?? (long)Math.Ceiling((config.WarmupRatio ?? 0) * totalSteps);
        var schedule = new LearningRateSchedule(config.LrScheduler, config.LearningRate, totalSteps, Math.Min(warmup, totalSteps));
        long evalEvery = config.EvalSteps ?? totalSteps;
        long saveEvery = config.SaveSteps ?? Math.Max(1, totalSteps / 4);
        var optimizer = OptimizerChoice.Create(config, trainable);
        var kl = new AdaptiveKlController(settings.KlCoef, settings.KlTarget, settings.KlHorizon);

        var store = new CheckpointStore(config.OutputDir);
        string? resumeFrom = resume ? store.Latest() : null;
        string metricsPath = Path.Combine(config.OutputDir, "metrics.jsonl");
        TrainerState state;
        JsonObject before;
        if (resumeFrom is not null)
        {
            state = TrainerState.Load(resumeFrom);
            lora.LoadWeights(resumeFrom);
            LoadValueHead(valueHead, resumeFrom);
            TrainingCheckpoint.Restore(resumeFrom, optimizer);
            kl.Value = JsonNode.Parse(File.ReadAllText(Path.Combine(resumeFrom, KlFile)))!["kl_coef"]!.GetValue<double>();
            before = MetricsLog.Read(metricsPath).FirstOrDefault(r => r["step"]?.GetValue<long>() == 0 && r["eval_mean_reward"] is not null) is { } first
                ? (JsonObject)first.DeepClone()
                : run.Evaluate(evalPrompts, config.Seed);
            log($"resuming from {resumeFrom} (step {state.GlobalStep})");
        }
        else
        {
            if (resume) log($"no complete checkpoint in {store.Folder}; starting from the beginning");
            before = run.Evaluate(evalPrompts, config.Seed);
            before["step"] = 0;
            state = new TrainerState();
            log($"step 0: held-out mean reward {before["eval_mean_reward"]}, KL {before["eval_kl"]}");
        }
        using var metrics = new MetricsSink(config.OutputDir, resumeFrom is null ? null : state.GlobalStep);
        if (resumeFrom is null) metrics.Write(before, 0);

        var clock = Stopwatch.StartNew();
        long startStep = state.GlobalStep, tokensThisSession = 0;
        JsonObject after = before;
        while (state.GlobalStep < totalSteps)
        {
            var order = StepPlan.EpochOrder(trainPrompts.Count, config.Seed, state.EpochsDone);
            long at = state.MicroBatchesIntoEpoch * settings.RolloutBatchSize;
            if (at >= trainPrompts.Count)
            {
                state = state with { EpochsDone = state.EpochsDone + 1, MicroBatchesIntoEpoch = 0 };
                continue;
            }
            var prompts = order.Skip((int)at).Take(settings.RolloutBatchSize).Select(i => trainPrompts[i]).ToList();
            double lr = schedule.At(state.GlobalStep);

            // 1. Rollouts: sample, score, and everything PPO compares against, without gradients.
            var batch = run.Collect(prompts, config.Seed * 7919 + state.GlobalStep * 104_729, kl.Value);
            // 2. Several epochs of clipped updates on them, in mini-batches of micro_batch_size.
            var stats = run.Optimize(batch, optimizer, config.MicroBatchSize, config.MaxGradNorm, lr, config.Seed + state.GlobalStep);
            kl.Update(batch.Kl, prompts.Count);
            batch.Dispose();

            tokensThisSession += batch.Tokens;
            state = state with { GlobalStep = state.GlobalStep + 1, MicroBatchesIntoEpoch = state.MicroBatchesIntoEpoch + 1, TokensSeen = state.TokensSeen + batch.Tokens };
            double tokensPerSecond = tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            var record = new JsonObject
            {
                ["step"] = state.GlobalStep, ["loss"] = stats.Loss, ["learning_rate"] = lr, ["mean_reward"] = batch.MeanScore,
                ["kl"] = batch.Kl, ["kl_coef"] = kl.Value, ["entropy"] = stats.Entropy, ["clip_fraction"] = stats.ClipFraction,
                ["policy_loss"] = stats.PolicyLoss, ["value_loss"] = stats.ValueLoss, ["response_length"] = batch.MeanLength,
                ["grad_norm"] = stats.GradNorm, ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
            };
            if (state.GlobalStep % config.LoggingSteps == 0 || state.GlobalStep == totalSteps) metrics.Write(record, state.GlobalStep);
            log($"step {state.GlobalStep}/{totalSteps}: reward {batch.MeanScore:F3}, KL {batch.Kl:F3} (coef {kl.Value:F3}), entropy {stats.Entropy:F3}, clip {stats.ClipFraction:P0}");
            var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (state.GlobalStep - startStep) * (totalSteps - state.GlobalStep));
            progress?.Report(new TrainingProgress(state.GlobalStep, totalSteps, state.EpochsDone, stats.Loss, lr, tokensPerSecond, remaining));

            bool last = state.GlobalStep == totalSteps;
            if (state.GlobalStep % evalEvery == 0 || last)
            {
                after = run.Evaluate(evalPrompts, config.Seed);
                after["step"] = state.GlobalStep;
                metrics.Write(after, state.GlobalStep);
                log($"step {state.GlobalStep}: held-out mean reward {after["eval_mean_reward"]}, KL {after["eval_kl"]}");
            }
            if (state.GlobalStep % saveEvery == 0 || last)
            {
                double coef = kl.Value;
                TrainingCheckpoint.Save(store, state, folder =>
                {
                    lora.Save(folder);
                    SaveValueHead(valueHead, folder);
                    AtomicFile.WriteJson(Path.Combine(folder, KlFile), new JsonObject { ["kl_coef"] = coef });
                }, optimizer, config.SaveTotalLimit, null);
            }
        }
        if (after["step"]?.GetValue<long>() != state.GlobalStep)
        {
            after = run.Evaluate(evalPrompts, config.Seed);
            after["step"] = state.GlobalStep;
        }

        lora.Save(config.OutputDir);
        SaveValueHead(valueHead, config.OutputDir);
        var results = new JsonObject
        {
            ["mean_reward_before"] = before["eval_mean_reward"]?.DeepClone(),
            ["mean_reward_after"] = after["eval_mean_reward"]?.DeepClone(),
            ["kl_final"] = after["eval_kl"]?.DeepClone(),
            ["kl_coef_final"] = kl.Value,
            ["eval_prompts"] = evalPrompts.Count,
            ["reward_model"] = settings.RewardModel,
        };
        log($"held-out mean reward {results["mean_reward_before"]} → {results["mean_reward_after"]}, KL to the reference {results["kl_final"]}");
        return StageSummary.Write(config, policy, device, state, trainPrompts.Count, evalPrompts.Count, results,
            tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds), log);
    }

    /// <summary>The distinct prompts of <paramref name="pairs"/>: each chosen sequence up to its first trained token (the template's generation prompt included).</summary>
    private static List<long[]> Prompts(IReadOnlyList<TokenizedPair> pairs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var prompts = new List<long[]>();
        foreach (var pair in pairs)
        {
            int first = Array.FindIndex(pair.Chosen.Labels, l => l != TokenizedSample.IgnoreLabel);
            if (first <= 0) continue;
            var prompt = pair.Chosen.InputIds.Take(first).Select(i => (long)i).ToArray();
            if (seen.Add(string.Join(',', prompt))) prompts.Add(prompt);
        }
        return prompts;
    }

    /// <summary>The untrained tokens after a sample's last trained one.</summary>
    private static long[] Suffix(TokenizedSample sample)
    {
        int last = Array.FindLastIndex(sample.Labels, l => l != TokenizedSample.IgnoreLabel);
        return sample.InputIds.Skip(last + 1).Select(i => (long)i).ToArray();
    }

    /// <summary>The frozen reward model: a sequence-classifier folder, or a SEQ_CLS LoRA adapter on the base its adapter_config.json names.</summary>
    private LlamaForSequenceClassification LoadRewardModel(Device device)
    {
        string folder = settings.RewardModel!;
        if (!Directory.Exists(folder)) throw new SharpTuneException($"{config.ConfigFile}: reward_model: folder not found: {folder}");
        LlamaForSequenceClassification model;
        if (File.Exists(Path.Combine(folder, LoraModel.ConfigFileName)))
        {
            var adapter = PeftAdapterConfig.Read(Path.Combine(folder, LoraModel.ConfigFileName));
            string baseFolder = adapter.BaseModelNameOrPath ?? throw new SharpTuneException($"{folder}: the reward adapter does not name its base model (base_model_name_or_path)");
            model = HfModelFolder.LoadSequenceClassifier(baseFolder, device, ScalarType.Float32);
            LoraModel.Load(model, folder).Merge();
        }
        else
        {
            using var reader = CheckpointReader.Open(folder);
            if (!reader.Contains("score.weight")) throw new SharpTuneException($"{folder}: not a reward model (no score.weight); train one with stage: reward");
            model = HfModelFolder.LoadSequenceClassifier(folder, device, ScalarType.Float32);
        }
        if (model.NumLabels != 1) throw new SharpTuneException($"{folder}: a reward model has one output, this one has {model.NumLabels}");
        foreach (var p in model.parameters()) p.requires_grad = false;
        model.eval();
        return model;
    }

    private static void SaveValueHead(ValueHead head, string folder) =>
        SafetensorsWriter.Write(Path.Combine(folder, ValueHeadFile), head.named_parameters().Select(p => new KeyValuePair<string, Tensor>("v_head." + p.name, p.parameter)).ToList());

    private static void LoadValueHead(ValueHead head, string folder)
    {
        using var file = SafetensorsFile.Open(Path.Combine(folder, ValueHeadFile));
        using var noGrad = no_grad();
        foreach (var (name, p) in head.named_parameters())
        {
            using var stored = file.ReadTensor("v_head." + name);
            p.copy_(stored);
        }
    }
}
