using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Backend;
using SharpTune.Data;
using SharpTune.Distributed;
using SharpTune.Inference;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Reporting;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;
using SharpTune.Training.Checkpoints;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Causal-LM training, top to bottom — pretraining and SFT differ only in their data: load the model, apply the
/// tuning method (full, freeze, LoRA), prepare the data, then step through shuffled micro-batches with gradient
/// accumulation, evaluating, checkpointing and logging, and finally save the model or adapter with its learning
/// curve, diagnosis and summary.json. What each step minimises is the <paramref name="objective"/> (next-token
/// cross-entropy unless told otherwise; distillation gives a teacher's). With a <paramref name="group"/> of several
/// processes it trains data-parallel (<see cref="DataParallel"/>): each rank takes its share of every step's
/// micro-batches, and rank 0 alone writes logs, metrics, checkpoints and the outputs.
/// </summary>
public sealed class CausalLmRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null, ICausalLmObjective? objective = null, ProcessGroup? group = null)
{
    private readonly ICausalLmObjective objective = objective ?? new NextTokenObjective();

    /// <summary>Only rank 0 logs and reports progress.</summary>
    private readonly Action<string> log = group is { IsMain: false } ? _ => { } : log;

    private readonly IProgress<TrainingProgress>? progress = group is { IsMain: false } ? null : progress;

    /// <summary>The data-parallel machinery when several processes train together (set by <see cref="Run"/>).</summary>
    private DataParallel? parallel;

    /// <summary>The run's tokenizer and chat template, loaded once when first needed (after train_tokenizer wrote it).</summary>
    private TokenizerContext? tokenizer;

    private TokenizerContext Tokenizer => tokenizer ??= TrainingData.LoadTokenizer(config.Data);

    /// <summary>Runs the training; with <paramref name="resume"/>, continues from the newest complete checkpoint. Returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var device = ComputeDevice.Resolve(config.Device, "device");
        if (group is { WorldSize: > 1 })
        {
            device = group.DeviceFor(device);
            parallel = new DataParallel(group, device, config.ZeroStage);
        }
        bool main = parallel is null || parallel.Group.IsMain;
        manual_seed(config.Seed);
        Directory.CreateDirectory(config.OutputDir);
        var store = new CheckpointStore(config.OutputDir);
        string? resumeFrom = resume ? store.Latest() : null;
        if (resume && resumeFrom is null) log($"no complete checkpoint in {store.Folder}; starting from the beginning");

        // A fresh model's own tokenizer, learned from the run's text (deterministic, so a resumed run learns the same).
        if (config.TrainTokenizer is { } learn)
        {
            if (main)
            {
                var bpe = learn.Train(config.Data.Datasets, config.OutputDir);
                log($"tokenizer: learned {bpe.Vocab.Count} tokens ({bpe.Merges.Count} merges) from {bpe.TrainingBytes:N0} bytes of training text");
            }
            parallel?.Group.Barrier();
        }

        // The model and what of it trains.
        using var model = LoadModel(device);
        var adapter = config.Adapter.Apply(model, config.BaseModel, config.Seed, text => Tokenizer.Tokenizer.Encode(text));
        model.Model.GradientCheckpointing = config.GradientCheckpointing;
        var trainable = TrainableParameter.Of(model);
        if (trainable.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: the adapter settings leave nothing to train");
        log($"{Describe()} on {device}: {TrainableParameterCount.Of(model)}");

        // The data.
        // With several processes rank 0 prepares (and caches) the data first; the others then find it in the cache.
        var prepared = main ? new DataPipeline(config.Data, Tokenizer, log).Prepare() : null;
        parallel?.Group.Barrier();
        var data = prepared ?? new DataPipeline(config.Data, Tokenizer, log).Prepare();
        if (data.Train.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: no training samples are left after preparing the data (see `sharptune data inspect`)");
        int processes = parallel?.Group.WorldSize ?? 1;
        var plan = StepPlan.For(config, data.Train.Count, processes);
        long microPerEpoch = plan.MicroPerEpoch, stepsPerEpoch = plan.StepsPerEpoch, totalSteps = plan.TotalSteps;
        long evalEvery = plan.EvalEvery, saveEvery = plan.SaveEvery;
        var schedule = plan.Schedule;
        bool hasValidation = data.Validation.Count > 0;
        log($"{data.Train.Count} training and {data.Validation.Count} validation rows of up to {data.SequenceLen} tokens; "
            + $"{totalSteps} steps of {config.MicroBatchSize}×{config.GradientAccumulationSteps}{(processes > 1 ? $"×{processes} processes" : "")} rows ({stepsPerEpoch} per epoch)"
            + (parallel is { ZeroStage: > 0 } ? $"; ZeRO stage {parallel.ZeroStage}" : ""));

        var optimizer = parallel is null
            ? OptimizerChoice.Create(config, trainable)
            : parallel.CreateOptimizer(trainable, owned => OptimizerChoice.Create(config, owned));

        // Where the run stands: from the checkpoint when resuming, else before the first step.
        TrainerState state;
        if (resumeFrom is not null)
        {
            state = TrainerState.Load(resumeFrom);
            LoadTrainable(trainable, resumeFrom, adapter);
            TrainingCheckpoint.Restore(resumeFrom, optimizer);
            log($"resuming from {resumeFrom} (step {state.GlobalStep})");
        }
        else
        {
            var initial = hasValidation ? Evaluate(model, data, device) : null;
            state = new TrainerState { InitialEvalLoss = initial?.Loss, InitialExactMatch = ExactMatchOf(initial) };
            if (initial is not null) log($"step 0: {Describe(initial)}");
        }
        // Every rank starts from rank 0's trainable weights (the frozen ones are loaded or built the same everywhere).
        parallel?.BroadcastParameters(trainable);

        using var metrics = main ? new MetricsLog(Path.Combine(config.OutputDir, "metrics.jsonl"), resumeFrom is null ? null : state.GlobalStep) : null;
        var tensorboard = main ? utils.tensorboard.SummaryWriter(Path.Combine(config.OutputDir, "tensorboard"), createRunName: true) : null;
        if (resumeFrom is null && state.InitialEvalLoss is not null)
            metrics?.Write(EvalRecord(0, state.InitialEvalLoss.Value, state.InitialExactMatch));

        var clock = Stopwatch.StartNew();
        long startStep = state.GlobalStep, tokensThisSession = 0;
        bool stoppedEarly = false;
        EvaluationResult? lastEvaluation = null;
        while (state.GlobalStep < totalSteps && !stoppedEarly)
        {
            var order = StepPlan.EpochOrder(data.Train.Count, config.Seed, state.EpochsDone);
            long micro = state.MicroBatchesIntoEpoch;
            while (micro < microPerEpoch && state.GlobalStep < totalSteps)
            {
                int take = (int)Math.Min((long)config.GradientAccumulationSteps * processes, microPerEpoch - micro);
                var (first, count) = parallel?.Share(take) ?? (0, take);
                var batches = Enumerable.Range(first, count)
                    .Select(i => data.Collator.Collate(StepPlan.MicroBatch(order, micro + i, config.MicroBatchSize).Select(j => data.Train[j]).ToList()))
                    .ToList();
                double lr = schedule.At(state.GlobalStep);
                var (loss, gradNorm, tokens) = Step(model, optimizer, batches, lr, device);
                micro += take;
                tokensThisSession += tokens;
                state = state with
                {
                    GlobalStep = state.GlobalStep + 1,
                    MicroBatchesIntoEpoch = micro,
                    TokensSeen = state.TokensSeen + tokens,
                };
                double epoch = state.EpochsDone + (double)micro / microPerEpoch;
                double tokensPerSecond = tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                if (state.GlobalStep % config.LoggingSteps == 0 || state.GlobalStep == totalSteps)
                {
                    metrics?.Write(new JsonObject
                    {
                        ["step"] = state.GlobalStep, ["epoch"] = Math.Round(epoch, 4), ["loss"] = loss, ["learning_rate"] = lr,
                        ["grad_norm"] = gradNorm, ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
                    });
                    tensorboard?.add_scalar("train/loss", (float)loss, (int)state.GlobalStep);
                    tensorboard?.add_scalar("train/learning_rate", (float)lr, (int)state.GlobalStep);
                }
                var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (state.GlobalStep - startStep) * (totalSteps - state.GlobalStep));
                progress?.Report(new TrainingProgress(state.GlobalStep, totalSteps, epoch, loss, lr, tokensPerSecond, remaining));

                bool last = state.GlobalStep == totalSteps;
                if (hasValidation && (state.GlobalStep % evalEvery == 0 || last))
                {
                    var evaluation = lastEvaluation = Evaluate(model, data, device);
                    double evalLoss = evaluation.Loss;
                    metrics?.Write(EvalRecord(state.GlobalStep, evalLoss, ExactMatchOf(evaluation)));
                    tensorboard?.add_scalar("eval/loss", (float)evalLoss, (int)state.GlobalStep);
                    if (ExactMatchOf(evaluation) is { } accuracy) tensorboard?.add_scalar("eval/exact_match", (float)accuracy, (int)state.GlobalStep);
                    log($"step {state.GlobalStep}/{totalSteps}: train loss {loss:F4}, {Describe(evaluation)}, {tokensPerSecond:F0} tokens/s");
                    bool improved = state.BestMetric is not { } best || evalLoss < best - config.EarlyStoppingThreshold;
                    state = improved
                        ? state with { BestMetric = evalLoss, BestStep = state.GlobalStep, EvalsWithoutImprovement = 0 }
                        : state with { EvalsWithoutImprovement = state.EvalsWithoutImprovement + 1 };
                    if (config.EarlyStoppingPatience is { } patience && state.EvalsWithoutImprovement >= patience)
                    {
                        log($"early stopping: no improvement in {patience} evaluations; the best was {state.BestMetric:F4} at step {state.BestStep}");
                        stoppedEarly = true;
                    }
                    if (improved && config.EarlyStoppingPatience is not null && state.GlobalStep % saveEvery != 0)
                        SaveCheckpoint(store, state, model, adapter, optimizer);
                }
                if (state.GlobalStep % saveEvery == 0 || last || stoppedEarly)
                    SaveCheckpoint(store, state, model, adapter, optimizer);
                if (stoppedEarly) break;
            }
            if (micro >= microPerEpoch) state = state with { EpochsDone = state.EpochsDone + 1, MicroBatchesIntoEpoch = 0 };
        }

        // Early stopping keeps the best weights, not the last.
        if (config.EarlyStoppingPatience is not null && state.BestStep is { } bestStep && bestStep != state.GlobalStep && Directory.Exists(store.PathOf(bestStep)))
        {
            LoadTrainable(trainable, store.PathOf(bestStep), adapter);
            log($"kept the weights of step {bestStep} (eval loss {state.BestMetric:F4})");
            lastEvaluation = null;
        }
        // The kept model's own scores (an evaluation of the last step is reused; after a restore or a resume at the end, measured again).
        var finalEvaluation = hasValidation ? lastEvaluation ?? Evaluate(model, data, device) : null;
        if (!main)
        {
            // The other ranks wait until rank 0 has written the outputs, so that nothing after this run reads them half-written.
            parallel!.Group.Barrier();
            return new JsonObject { ["rank"] = parallel.Group.Rank, ["steps"] = state.GlobalStep };
        }
        SaveModel(config.OutputDir, model, adapter);
        if (!config.BaseModel.StartsWith("preset:", StringComparison.Ordinal))
            HfModelFolder.CopyCompanionFiles([config.BaseModel, .. config.Data.Tokenizer is { } t ? new[] { t } : []], config.OutputDir);
        RecordChatTemplate(config.OutputDir);
        var summary = WriteSummary(model, data, state, finalEvaluation, tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds), device);
        parallel?.Group.Barrier();
        return summary;
    }

    private string Describe() => config.Describe();

    private LlamaForCausalLM LoadModel(Device device) =>
        CausalLmModels.Load(config, device, log, config.TrainTokenizer is not null ? Tokenizer.Tokenizer : null);

    /// <summary>
    /// One optimizer step over <paramref name="batches"/> (the accumulated micro-batches): every micro-batch's summed
    /// loss is divided by the trained-label count of all of them, so each label weighs the same however the rows fall.
    /// </summary>
    private (double Loss, double GradNorm, long Tokens) Step(LlamaForCausalLM model, IOptimizer optimizer, List<CollatedBatch> batches, double lr, Device device)
    {
        model.train();
        long labels = batches.Sum(BatchTensors.TrainedLabels);
        // With several processes, every label of the global batch weighs the same: divide by the count over all ranks.
        if (parallel is not null) labels = parallel.Group.Sum(labels);
        double total = 0;
        long tokens = 0;
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            var t = BatchTensors.From(batch, device);
            var sum = objective.Sum(model, batch, t);
            sum.div(Math.Max(1, labels)).backward();
            total += sum.item<float>();
            tokens += batch.AttentionMask.LongCount(m => m != 0);
        }
        if (parallel is null) return (total / Math.Max(1, labels), TrainingStep.Apply(optimizer, config.MaxGradNorm, lr), tokens);
        double gradNorm = parallel.Step(optimizer, config.MaxGradNorm, lr);
        return (parallel.Group.Sum(total) / Math.Max(1, labels), gradNorm, parallel.Group.Sum(tokens));
    }

    /// <summary>Validation loss and exact-match accuracy. With several processes every rank evaluates, and rank 0's numbers are the ones every rank goes by (so decisions such as early stopping agree to the bit).</summary>
    private EvaluationResult Evaluate(LlamaForCausalLM model, PreparedDataset data, Device device)
    {
        var result = CausalLmEvaluator.Evaluate(model, data.Validation, data.Collator, config.MicroBatchSize, device);
        if (parallel is null) return result;
        using var numbers = tensor(new[] { result.Loss, result.Labels, result.Samples, result.ExactMatches });
        parallel.Group.Host.Broadcast(numbers, 0);
        var v = numbers.data<double>().ToArray();
        return new EvaluationResult(v[0], (long)v[1], (int)v[2], (int)v[3]);
    }

    /// <summary>Exact-match accuracy means something for SFT (one reference answer per prompt), not for pretraining text.</summary>
    private double? ExactMatchOf(EvaluationResult? evaluation) =>
        config.IsSupervised && evaluation is { Samples: > 0 } e ? e.ExactMatch : null;

    private string Describe(EvaluationResult evaluation) =>
        $"eval loss {evaluation.Loss:F4}" + (ExactMatchOf(evaluation) is { } a ? $", exact match {a:P1} of {evaluation.Samples}" : "");

    private static JsonObject EvalRecord(long step, double loss, double? exactMatch)
    {
        var record = new JsonObject { ["step"] = step, ["eval_loss"] = loss, ["eval_perplexity"] = Math.Exp(loss) };
        if (exactMatch is { } a) record["eval_exact_match"] = a;
        return record;
    }

    private void SaveCheckpoint(CheckpointStore store, TrainerState state, LlamaForCausalLM model, IPeftAdapter? adapter, IOptimizer optimizer)
    {
        if (parallel is null)
        {
            TrainingCheckpoint.Save(store, state, folder => SaveModel(folder, model, adapter), optimizer, config.SaveTotalLimit, state.BestStep);
            return;
        }
        // Every rank takes part in gathering a sharded optimizer's state; rank 0 alone writes the (consolidated) checkpoint.
        var optimizerState = optimizer.StateDict();
        if (parallel.Group.IsMain)
            TrainingCheckpoint.Save(store, state, folder => SaveModel(folder, model, adapter), optimizerState, config.SaveTotalLimit, state.BestStep);
    }

    /// <summary>The trained result in the ecosystem's format: a peft adapter for LoRA and the prompt methods, else an HF model folder.</summary>
    private static void SaveModel(string folder, LlamaForCausalLM model, IPeftAdapter? adapter)
    {
        if (adapter is not null) adapter.Save(folder);
        else HfModelFolder.Save(model, folder);
    }

    private static void LoadTrainable(IReadOnlyList<TrainableParameter> trainable, string folder, IPeftAdapter? adapter) =>
        CausalLmModels.LoadTrainable(trainable, adapter, folder);

    private JsonObject WriteSummary(LlamaForCausalLM model, PreparedDataset data, TrainerState state, EvaluationResult? finalEvaluation, double tokensPerSecond, Device device)
    {
        var (train, _, diagnosis) = RunReport.Write(config.OutputDir, $"{Describe()} — {Path.GetFileName(config.OutputDir)}", log);

        var counts = TrainableParameterCount.Of(model);
        var summary = new JsonObject
        {
            ["stage"] = config.Stage,
            ["config_sha256"] = config.Fingerprint,
            ["method"] = config.Adapter.Method,
            ["device"] = device.ToString(),
            ["steps"] = state.GlobalStep,
            ["epochs"] = state.EpochsDone + (double)state.MicroBatchesIntoEpoch / Math.Max(1, (data.Train.Count + config.MicroBatchSize - 1) / config.MicroBatchSize),
            ["train_rows"] = data.Train.Count,
            ["validation_rows"] = data.Validation.Count,
            ["trainable_parameters"] = counts.Trainable,
            ["total_parameters"] = counts.Total,
            ["initial_eval_loss"] = state.InitialEvalLoss,
            ["final_eval_loss"] = finalEvaluation?.Loss,
            ["final_eval_perplexity"] = finalEvaluation?.Perplexity,
            ["best_eval_loss"] = state.BestMetric,
            ["best_step"] = state.BestStep,
            ["accuracy_before"] = state.InitialExactMatch,
            ["accuracy_after"] = ExactMatchOf(finalEvaluation),
            ["final_train_loss"] = train.Count > 0 ? train[^1].Loss : null,
            ["diagnosis"] = diagnosis.Verdict,
            ["diagnosis_reason"] = diagnosis.Reason,
            ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
            ["peak_memory_bytes"] = ProcessMemory.PeakBytes(),
        };
        if (parallel is not null)
        {
            summary["processes"] = parallel.Group.WorldSize;
            summary["zero_stage"] = parallel.ZeroStage;
        }
        if (config.SamplePrompt is { } prompt && TrySample(model, prompt) is { } sample)
            summary["sample"] = sample;
        AtomicFile.WriteJson(Path.Combine(config.OutputDir, "summary.json"), summary);
        log($"saved {config.OutputDir}");
        return summary;
    }

    /// <summary>
    /// After SFT, the output's tokenizer_config.json names the chat template the model was tuned with (as axolotl
    /// saves it), so chat, eval and transformers' apply_chat_template format conversations the same way.
    /// </summary>
    private void RecordChatTemplate(string folder)
    {
        string file = Path.Combine(folder, TokenizerConfig.FileName);
        if (!config.IsSupervised || !File.Exists(file)) return;
        if (Tokenizer.Template.Template is not ChatTemplate template) return;
        if (JsonNode.Parse(File.ReadAllText(file)) is not JsonObject json) return;
        if (json["chat_template"] is JsonValue current && current.TryGetValue(out string? source) && source == template.Source) return;
        json["chat_template"] = template.Source;
        AtomicFile.WriteJson(file, json);
    }

    private string? TrySample(LlamaForCausalLM model, string prompt)
    {
        var encoder = Tokenizer.Tokenizer;
        model.eval();
        var ids = new TextGenerator(model).Generate(encoder.Encode(prompt),
            new GenerationOptions { MaxNewTokens = 80, StopIds = model.Config.EosTokenIds.ToHashSet() });
        string sample = prompt + encoder.Decode(ids);
        log($"sample: {sample}");
        return sample;
    }
}
