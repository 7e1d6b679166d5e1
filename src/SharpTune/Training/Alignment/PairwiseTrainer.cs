using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Reporting;
using SharpTune.Training.Checkpoints;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// The training loop of the stages that learn from preference pairs: shuffled micro-batches of pairs with gradient
/// accumulation and the run's learning-rate schedule, a held-out evaluation before training and every eval_steps,
/// metrics.jsonl, TensorBoard and progress, and checkpoints that resume exactly. What is optimised is the
/// <see cref="IPairObjective"/>'s.
/// </summary>
public sealed class PairwiseTrainer(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress)
{
    /// <summary>Trains <paramref name="objective"/> on <paramref name="train"/>, evaluating on <paramref name="validation"/>; returns the final state and the first and last evaluations.</summary>
    public (TrainerState State, JsonObject Before, JsonObject After) Run(
        IPairObjective objective, IReadOnlyList<TrainableParameter> trainable, IReadOnlyList<TokenizedPair> train, IReadOnlyList<TokenizedPair> validation, bool resume)
    {
        if (train.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: no preference pairs are left for training after preparing the data");
        if (validation.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: stage {config.Stage} measures held-out pairs: set val_set_size");
        var store = new CheckpointStore(config.OutputDir);
        string? resumeFrom = resume ? store.Latest() : null;
        if (resume && resumeFrom is null) log($"no complete checkpoint in {store.Folder}; starting from the beginning");

        var plan = StepPlan.For(config, train.Count);
        long microPerEpoch = plan.MicroPerEpoch, stepsPerEpoch = plan.StepsPerEpoch, totalSteps = plan.TotalSteps;
        long evalEvery = plan.EvalEvery, saveEvery = plan.SaveEvery;
        var schedule = plan.Schedule;
        log($"{train.Count} training and {validation.Count} validation pairs; {totalSteps} steps of {config.MicroBatchSize}×{config.GradientAccumulationSteps} pairs ({stepsPerEpoch} per epoch)");
        var optimizer = OptimizerChoice.Create(config, trainable);

        TrainerState state;
        JsonObject before;
        string metricsPath = Path.Combine(config.OutputDir, "metrics.jsonl");
        if (resumeFrom is not null)
        {
            state = TrainerState.Load(resumeFrom);
            objective.LoadTrainable(resumeFrom);
            TrainingCheckpoint.Restore(resumeFrom, optimizer);
            before = MetricsLog.Read(metricsPath).FirstOrDefault(r => r["step"]?.GetValue<long>() == 0 && r["eval_loss"] is not null) is { } first
                ? (JsonObject)first.DeepClone()
                : objective.Evaluate(validation);
            log($"resuming from {resumeFrom} (step {state.GlobalStep})");
        }
        else
        {
            before = objective.Evaluate(validation);
            before["step"] = 0;
            state = new TrainerState { InitialEvalLoss = before["eval_loss"]?.GetValue<double>() };
            log($"step 0: {Describe(before)}");
        }

        using var metrics = new MetricsSink(config.OutputDir, resumeFrom is null ? null : state.GlobalStep);
        if (resumeFrom is null) metrics.Write(before, 0);

        var clock = Stopwatch.StartNew();
        long startStep = state.GlobalStep, tokensThisSession = 0;
        JsonObject? after = null;
        while (state.GlobalStep < totalSteps)
        {
            var order = StepPlan.EpochOrder(train.Count, config.Seed, state.EpochsDone);
            long micro = state.MicroBatchesIntoEpoch;
            while (micro < microPerEpoch && state.GlobalStep < totalSteps)
            {
                int take = (int)Math.Min(config.GradientAccumulationSteps, microPerEpoch - micro);
                var batches = Enumerable.Range(0, take)
                    .Select(i => StepPlan.MicroBatch(order, micro + i, config.MicroBatchSize).ToList())
                    .ToList();
                int pairsInStep = batches.Sum(b => b.Count);
                double lr = schedule.At(state.GlobalStep);
                var sums = new Dictionary<string, double>();
                double loss = 0;
                long tokens = 0;
                foreach (var indices in batches)
                {
                    using var scope = NewDisposeScope();
                    var pairs = indices.Select(i => train[i]).ToList();
                    var (batchLoss, stats) = objective.Loss(pairs, indices);
                    double weight = (double)indices.Count / pairsInStep;
                    (batchLoss * weight).backward();
                    loss += batchLoss.item<float>() * weight;
                    foreach (var (key, value) in stats) sums[key] = sums.GetValueOrDefault(key) + value * weight;
                    tokens += pairs.Sum(p => (long)p.Chosen.Length + p.Rejected.Length);
                }
                double gradNorm = TrainingStep.Apply(optimizer, config.MaxGradNorm, lr);
                micro += take;
                tokensThisSession += tokens;
                state = state with { GlobalStep = state.GlobalStep + 1, MicroBatchesIntoEpoch = micro, TokensSeen = state.TokensSeen + tokens };
                double epoch = state.EpochsDone + (double)micro / microPerEpoch;
                double tokensPerSecond = tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                if (state.GlobalStep % config.LoggingSteps == 0 || state.GlobalStep == totalSteps)
                {
                    var record = new JsonObject
                    {
                        ["step"] = state.GlobalStep, ["epoch"] = Math.Round(epoch, 4), ["loss"] = loss, ["learning_rate"] = lr,
                        ["grad_norm"] = gradNorm, ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
                    };
                    foreach (var (key, value) in sums) record[key] = value;
                    metrics.Write(record, state.GlobalStep);
                }
                var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (state.GlobalStep - startStep) * (totalSteps - state.GlobalStep));
                progress?.Report(new TrainingProgress(state.GlobalStep, totalSteps, epoch, loss, lr, tokensPerSecond, remaining));

                bool last = state.GlobalStep == totalSteps;
                if (state.GlobalStep % evalEvery == 0 || last)
                {
                    var evaluation = objective.Evaluate(validation);
                    evaluation["step"] = state.GlobalStep;
                    metrics.Write(evaluation, state.GlobalStep);
                    log($"step {state.GlobalStep}/{totalSteps}: train loss {loss:F4}, {Describe(evaluation)}, {tokensPerSecond:F0} tokens/s");
                    double evalLoss = evaluation["eval_loss"]!.GetValue<double>();
                    if (state.BestMetric is not { } best || evalLoss < best) state = state with { BestMetric = evalLoss, BestStep = state.GlobalStep };
                    if (last) after = evaluation;
                }
                if (state.GlobalStep % saveEvery == 0 || last)
                {
                    TrainingCheckpoint.Save(store, state, objective.Save, optimizer, config.SaveTotalLimit, state.BestStep);
                }
            }
            if (micro >= microPerEpoch) state = state with { EpochsDone = state.EpochsDone + 1, MicroBatchesIntoEpoch = 0 };
        }
        after ??= objective.Evaluate(validation);
        return (state, before, after);
    }

    private static string Describe(JsonObject evaluation) =>
        string.Join(", ", evaluation.Where(e => e.Key != "step" && e.Value is JsonValue).Select(e => $"{e.Key.Replace('_', ' ')} {e.Value!.GetValue<double>():F4}"));
}
