using System.Text.Json.Nodes;
using SharpTune.Distributed;
using SharpTune.Training.Alignment;

namespace SharpTune.Training;

/// <summary>
/// Runs a config with its stage's recipe, first training the runs it builds on when <c>base_model: run:OTHER.yaml</c>
/// (or a PPO config's <c>reward_model: run:REWARD.yaml</c>) names one whose output is missing or was made by a
/// different version of that config — so each example stands alone, and a base that is
/// already trained is reused rather than trained again.
/// </summary>
public static class TrainingRuns
{
    /// <summary>Trains <paramref name="configFile"/> (with <paramref name="overrides"/>) and what it builds on; returns its summary.json content.</summary>
    /// <param name="configFile">The YAML run config.</param>
    /// <param name="overrides"><c>key=value</c> overrides of this config (not of the runs it builds on).</param>
    /// <param name="resume">Continue each unfinished run from its newest complete checkpoint.</param>
    /// <param name="log">Where progress lines go.</param>
    /// <param name="progress">Per-step progress of whichever run is training.</param>
    /// <param name="group">The processes training together (launched by mpirun), or null for one process. Only causal-LM runs (pretrain, sft) train data-parallel so far.</param>
    public static JsonObject Train(string configFile, IReadOnlyList<string> overrides, bool resume, Action<string> log, IProgress<TrainingProgress>? progress = null, ProcessGroup? group = null) =>
        Train(configFile, overrides, resume, log, progress, [], group);

    /// <summary>Whether <paramref name="config"/>'s output is a finished run of this very config (its summary.json carries the config's fingerprint).</summary>
    public static bool IsFinished(TrainConfig config)
    {
        string summary = Path.Combine(config.OutputDir, "summary.json");
        if (!File.Exists(summary)) return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(summary))?["config_sha256"]?.GetValue<string>() == config.Fingerprint;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    private static JsonObject Train(string configFile, IReadOnlyList<string> overrides, bool resume, Action<string> log, IProgress<TrainingProgress>? progress, List<string> chain, ProcessGroup? group)
    {
        string full = Path.GetFullPath(configFile);
        if (chain.Contains(full)) throw new SharpTuneException($"{configFile}: base_model: run: goes round in a circle ({string.Join(" → ", chain.Append(full))})");
        chain.Add(full);
        var config = TrainConfig.Load(configFile, overrides);
        foreach (var (role, run) in new[] { ("base model", config.BaseRun), ("teacher", config.Distillation?.TeacherRun), ("reward model", config.Alignment.RewardRun) })
        {
            if (run is null) continue;
            var runConfig = TrainConfig.Load(run);
            if (IsFinished(runConfig))
                log($"{role}: {runConfig.OutputDir}, already trained by {run}");
            else
            {
                log($"{role}: training {run} first (its output {runConfig.OutputDir} is {(Directory.Exists(runConfig.OutputDir) ? "unfinished or from another version of it" : "not there yet")})");
                Train(run, [], resume, log, progress, [.. chain], group);
                log($"{role} ready; now {configFile}");
            }
        }
        bool causalLm = config.Objective != "mlm" && config.Stage is "pretrain" or "sft";
        if (group is { WorldSize: > 1 } && !causalLm)
            throw new SharpTuneException($"{configFile}: {(config.Objective == "mlm" ? "masked-LM pretraining" : $"stage {config.Stage}")} does not train on several processes yet; run it with --nproc 1 (pretrain and sft do)");
        if (config.Objective == "mlm") return new MaskedLmRecipe(config, log, progress).Run(resume);
        return config.Stage switch
        {
            "distill" => new Distillation.DistillRecipe(config, log, progress).Run(resume),
            "reward" => new RewardRecipe(config, log, progress).Run(resume),
            "dpo" => new DpoRecipe(config, log, progress).Run(resume),
            "orpo" => new OrpoRecipe(config, log, progress).Run(resume),
            "ppo" => new PpoRecipe(config, log, progress).Run(resume),
            _ => new CausalLmRecipe(config, log, progress, group: group).Run(resume),
        };
    }
}
