using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Backend;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training.Checkpoints;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>The end of an alignment stage's run: companion files beside the output, learning curve, diagnosis and summary.json with the stage's own numbers.</summary>
public static class StageSummary
{
    /// <summary>
    /// Copies the tokenizer files into output_dir, writes learning_curve.png and diagnosis.json from metrics.jsonl,
    /// and summary.json with the fields every run has plus <paramref name="results"/>; returns it.
    /// </summary>
    public static JsonObject Write(TrainConfig config, nn.Module model, Device device, TrainerState state, int trainRows, int validationRows,
        JsonObject results, double tokensPerSecond, Action<string> log)
    {
        if (!config.BaseModel.StartsWith("preset:", StringComparison.Ordinal))
            HfModelFolder.CopyCompanionFiles([config.BaseModel, .. config.Data.Tokenizer is { } t ? new[] { t } : []], config.OutputDir);
        var (train, _, diagnosis) = RunReport.Write(config.OutputDir, $"{config.Describe()} — {Path.GetFileName(config.OutputDir)}", log);
        var counts = TrainableParameterCount.Of(model);
        var summary = new JsonObject
        {
            ["stage"] = config.Stage,
            ["config_sha256"] = config.Fingerprint,
            ["method"] = config.Adapter.Kind.ToString().ToLowerInvariant(),
            ["device"] = device.ToString(),
            ["steps"] = state.GlobalStep,
            ["train_rows"] = trainRows,
            ["validation_rows"] = validationRows,
            ["trainable_parameters"] = counts.Trainable,
            ["total_parameters"] = counts.Total,
            ["final_train_loss"] = train.Count > 0 ? train[^1].Loss : null,
            ["diagnosis"] = diagnosis.Verdict,
            ["diagnosis_reason"] = diagnosis.Reason,
            ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
            ["peak_memory_bytes"] = ProcessMemory.PeakBytes(),
        };
        foreach (var (key, value) in results) summary[key] = value?.DeepClone();
        AtomicFile.WriteJson(Path.Combine(config.OutputDir, "summary.json"), summary);
        log($"saved {config.OutputDir}");
        return summary;
    }
}
