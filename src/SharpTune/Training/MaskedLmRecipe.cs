using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Backend;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Models.Bert;
using SharpTune.Reporting;
using SharpTune.Tokenization;
using SharpTune.Training.Checkpoints;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// <c>stage: pretrain</c> with <c>objective: mlm</c>, top to bottom: learn a WordPiece tokenizer when asked, build or
/// load a BERT encoder, prepare the text, then step through shuffled micro-batches, masking 15% of the tokens of each
/// (80% [MASK], 10% random, 10% kept) and training the model to restore them; evaluate the masked loss and accuracy on
/// held-out text under fixed masks, checkpoint, log, and save an HF BertForMaskedLM folder with the reports.
/// </summary>
public sealed class MaskedLmRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>Runs the training; with <paramref name="resume"/>, continues from the newest complete checkpoint. Returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var device = ComputeDevice.Resolve(config.Device, "device");
        manual_seed(config.Seed);
        Directory.CreateDirectory(config.OutputDir);
        var store = new CheckpointStore(config.OutputDir);
        string? resumeFrom = resume ? store.Latest() : null;
        if (config.TrainTokenizer is { } learn)
        {
            var vocab = learn.TrainWordPiece(config.Data.Datasets, config.OutputDir);
            log($"tokenizer: learned a WordPiece vocabulary of {vocab.Count} tokens");
        }
        var tokenizer = TrainingData.LoadTokenizer(config.Data);
        if (tokenizer.Tokenizer is not HfTokenizer hf || hf.TokenToId("[MASK]") is not { } maskId)
            throw new SharpTuneException($"{config.ConfigFile}: objective: mlm needs a tokenizer with a [MASK] token (a BERT tokenizer.json, or train_tokenizer: {{type: wordpiece}})");

        using var model = LoadModel(device, hf);
        var trainable = TrainableParameter.Of(model);
        log($"pretrain (masked LM) on {device}: {TrainableParameterCount.Of(model)}");
        var specials = Enumerable.Range(0, (int)hf.VocabSize).Select(i => (long)i).Where(hf.IsSpecialToken).ToHashSet();
        var masking = new MlmMasking(config.MlmProbability, maskId, model.Config.VocabSize, specials);

        var data = new DataPipeline(config.Data, tokenizer, log).Prepare();
        if (data.Train.Count == 0) throw new SharpTuneException($"{config.ConfigFile}: no training samples are left after preparing the data");
        var plan = StepPlan.For(config, data.Train.Count);
        bool hasValidation = data.Validation.Count > 0;
        log($"{data.Train.Count} training and {data.Validation.Count} validation rows of up to {data.SequenceLen} tokens; {plan.TotalSteps} steps, mlm_probability {config.MlmProbability}");
        var optimizer = OptimizerChoice.Create(config, trainable);

        TrainerState state;
        if (resumeFrom is not null)
        {
            state = TrainerState.Load(resumeFrom);
            HfModelFolder.LoadParameters(model, resumeFrom, BertModelFolder.IsIgnorable, "the masked-LM model");
            TrainingCheckpoint.Restore(resumeFrom, optimizer);
            log($"resuming from {resumeFrom} (step {state.GlobalStep})");
        }
        else
        {
            var initial = hasValidation ? Evaluate(model, data, masking, device) : ((double, double, long)?)null;
            state = new TrainerState { InitialEvalLoss = initial?.Item1, InitialExactMatch = initial?.Item2 };
            if (initial is { } i) log($"step 0: masked loss {i.Item1:F4}, masked accuracy {i.Item2:P1} of {i.Item3} tokens");
        }

        using var metrics = new MetricsLog(Path.Combine(config.OutputDir, "metrics.jsonl"), resumeFrom is null ? null : state.GlobalStep);
        if (resumeFrom is null && state.InitialEvalLoss is { } l0) metrics.Write(EvalRecord(0, l0, state.InitialExactMatch));
        var clock = Stopwatch.StartNew();
        long startStep = state.GlobalStep, tokensThisSession = 0;
        (double Loss, double Accuracy, long Masked)? last = null;
        while (state.GlobalStep < plan.TotalSteps)
        {
            var order = StepPlan.EpochOrder(data.Train.Count, config.Seed, state.EpochsDone);
            long micro = state.MicroBatchesIntoEpoch;
            while (micro < plan.MicroPerEpoch && state.GlobalStep < plan.TotalSteps)
            {
                int take = (int)Math.Min(config.GradientAccumulationSteps, plan.MicroPerEpoch - micro);
                var batches = Enumerable.Range(0, take)
                    .Select(i => data.Collator.Collate(StepPlan.MicroBatch(order, micro + i, config.MicroBatchSize).Select(j => data.Train[j]).ToList()))
                    .ToList();
                double lr = plan.Schedule.At(state.GlobalStep);
                var (loss, gradNorm, tokens) = Step(model, optimizer, batches, masking, state.GlobalStep, lr, device);
                micro += take;
                tokensThisSession += tokens;
                state = state with { GlobalStep = state.GlobalStep + 1, MicroBatchesIntoEpoch = micro, TokensSeen = state.TokensSeen + tokens };
                double epoch = state.EpochsDone + (double)micro / plan.MicroPerEpoch;
                double tokensPerSecond = tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                if (state.GlobalStep % config.LoggingSteps == 0 || state.GlobalStep == plan.TotalSteps)
                    metrics.Write(new JsonObject
                    {
                        ["step"] = state.GlobalStep, ["epoch"] = Math.Round(epoch, 4), ["loss"] = loss, ["learning_rate"] = lr,
                        ["grad_norm"] = gradNorm, ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
                    });
                var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (state.GlobalStep - startStep) * (plan.TotalSteps - state.GlobalStep));
                progress?.Report(new TrainingProgress(state.GlobalStep, plan.TotalSteps, epoch, loss, lr, tokensPerSecond, remaining));
                bool end = state.GlobalStep == plan.TotalSteps;
                if (hasValidation && (state.GlobalStep % plan.EvalEvery == 0 || end))
                {
                    var e = (last = Evaluate(model, data, masking, device)).Value;
                    metrics.Write(EvalRecord(state.GlobalStep, e.Loss, e.Accuracy));
                    log($"step {state.GlobalStep}/{plan.TotalSteps}: train loss {loss:F4}, masked loss {e.Loss:F4}, masked accuracy {e.Accuracy:P1}, {tokensPerSecond:F0} tokens/s");
                    if (state.BestMetric is not { } best || e.Loss < best) state = state with { BestMetric = e.Loss, BestStep = state.GlobalStep };
                }
                if (state.GlobalStep % plan.SaveEvery == 0 || end)
                    TrainingCheckpoint.Save(store, state, folder => BertModelFolder.Save(model, folder), optimizer, config.SaveTotalLimit, state.BestStep);
            }
            if (micro >= plan.MicroPerEpoch) state = state with { EpochsDone = state.EpochsDone + 1, MicroBatchesIntoEpoch = 0 };
        }

        var final = hasValidation ? last ?? Evaluate(model, data, masking, device) : ((double, double, long)?)null;
        BertModelFolder.Save(model, config.OutputDir);
        if (!config.BaseModel.StartsWith("preset:", StringComparison.Ordinal))
            HfModelFolder.CopyCompanionFiles([config.BaseModel, .. config.Data.Tokenizer is { } t ? new[] { t } : []], config.OutputDir);
        else if (config.Data.Tokenizer is { } tk)
            HfModelFolder.CopyCompanionFiles([tk], config.OutputDir);

        var report = RunReport.Write(config.OutputDir, $"pretrain (masked LM) — {Path.GetFileName(config.OutputDir)}", log);
        var counts = TrainableParameterCount.Of(model);
        var summary = new JsonObject
        {
            ["stage"] = config.Stage,
            ["objective"] = "mlm",
            ["config_sha256"] = config.Fingerprint,
            ["method"] = config.Adapter.Method,
            ["device"] = device.ToString(),
            ["steps"] = state.GlobalStep,
            ["train_rows"] = data.Train.Count,
            ["validation_rows"] = data.Validation.Count,
            ["trainable_parameters"] = counts.Trainable,
            ["total_parameters"] = counts.Total,
            ["mlm_probability"] = config.MlmProbability,
            ["validation_masked_tokens"] = final?.Item3,
            ["initial_eval_loss"] = state.InitialEvalLoss,
            ["final_eval_loss"] = final?.Item1,
            ["final_eval_perplexity"] = final is { } f ? Math.Exp(f.Item1) : null,
            ["best_eval_loss"] = state.BestMetric,
            ["masked_accuracy_before"] = state.InitialExactMatch,
            ["masked_accuracy_after"] = final?.Item2,
            ["final_train_loss"] = report.Train.Count > 0 ? report.Train[^1].Loss : null,
            ["diagnosis"] = report.Diagnosis.Verdict,
            ["diagnosis_reason"] = report.Diagnosis.Reason,
            ["tokens_per_second"] = Math.Round(tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds), 1),
            ["peak_memory_bytes"] = ProcessMemory.PeakBytes(),
        };
        AtomicFile.WriteJson(Path.Combine(config.OutputDir, "summary.json"), summary);
        log($"saved {config.OutputDir}");
        return summary;
    }

    private BertForMaskedLM LoadModel(Device device, HfTokenizer tokenizer)
    {
        const string prefix = "preset:";
        if (!config.BaseModel.StartsWith(prefix, StringComparison.Ordinal))
        {
            if (!BertModelFolder.IsBert(config.BaseModel))
                throw new SharpTuneException($"{config.ConfigFile}: base_model: objective: mlm trains a BERT encoder (config.json model_type: bert); {config.BaseModel} is not one");
            return BertModelFolder.Load(config.BaseModel, device, ScalarType.Float32);
        }
        var json = BertPresets.Config(config.BaseModel[prefix.Length..]);
        json["vocab_size"] = tokenizer.VocabSize;
        json["pad_token_id"] = tokenizer.PadId ?? 0;
        ModelPresets.WithOverrides(json, config.ModelConfigOverrides, $"{config.ConfigFile}: overrides_of_model_config");
        var model = new BertForMaskedLM(BertConfig.FromJson(json, "base_model"), device);
        model.InitializeWeights(config.Seed);
        return model;
    }

    /// <summary>One optimizer step: each micro-batch is masked afresh (seeded by step and index), and the summed loss is divided by the masked-token count of all of them.</summary>
    private (double Loss, double GradNorm, long Tokens) Step(BertForMaskedLM model, IOptimizer optimizer, List<CollatedBatch> batches, MlmMasking masking, long step, double lr, Device device)
    {
        model.train();
        var masked = batches.Select((b, i) => masking.Apply(b.InputIds, b.AttentionMask, MlmMasking.RandomFor(config.Seed, step, i))).ToList();
        long labels = masked.Sum(m => m.Labels.LongCount(l => l != CausalLmLoss.IgnoreIndex));
        double total = 0;
        long tokens = 0;
        for (int i = 0; i < batches.Count; i++)
        {
            using var scope = NewDisposeScope();
            long[] shape = [batches[i].Rows, batches[i].Length];
            var logits = model.Forward(tensor(masked[i].Inputs, shape).to(device), tensor(batches[i].AttentionMask, shape).to(device));
            var sum = MaskedLmLoss.Sum(logits, tensor(masked[i].Labels, shape).to(device));
            sum.div(Math.Max(1, labels)).backward();
            total += sum.item<float>();
            tokens += batches[i].AttentionMask.LongCount(m => m != 0);
        }
        double gradNorm = GradientClipping.Apply(optimizer.Parameters.Select(p => p.Value), config.MaxGradNorm);
        optimizer.Step(lr);
        optimizer.ZeroGrad();
        return (total / Math.Max(1, labels), gradNorm, tokens);
    }

    private (double Loss, double Accuracy, long Masked) Evaluate(BertForMaskedLM model, PreparedDataset data, MlmMasking masking, Device device) =>
        MaskedLmEvaluator.Evaluate(model, data.Validation, data.Collator, masking, config.MicroBatchSize, device);

    private static JsonObject EvalRecord(long step, double loss, double? accuracy)
    {
        var record = new JsonObject { ["step"] = step, ["eval_loss"] = loss, ["eval_perplexity"] = Math.Exp(loss) };
        if (accuracy is { } a) record["eval_masked_accuracy"] = a;
        return record;
    }
}
