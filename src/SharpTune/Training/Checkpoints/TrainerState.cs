using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Training.Checkpoints;

/// <summary>
/// Where a run stands, saved as <c>trainer_state.json</c> in each checkpoint (key names as transformers' Trainer
/// writes them where it has one): enough, with the weights and optimizer state beside it, to continue the run
/// exactly where it stopped.
/// </summary>
public sealed record TrainerState
{
    /// <summary>The file name in a checkpoint folder.</summary>
    public const string FileName = "trainer_state.json";

    /// <summary>Optimizer steps taken.</summary>
    public long GlobalStep { get; init; }

    /// <summary>Whole passes over the training data finished.</summary>
    public long EpochsDone { get; init; }

    /// <summary>Micro-batches already consumed in the epoch under way.</summary>
    public long MicroBatchesIntoEpoch { get; init; }

    /// <summary>Training tokens processed so far (for tokens/s over the whole run).</summary>
    public long TokensSeen { get; init; }

    /// <summary>The lowest validation loss so far, if any evaluation ran.</summary>
    public double? BestMetric { get; init; }

    /// <summary>The step of <see cref="BestMetric"/>.</summary>
    public long? BestStep { get; init; }

    /// <summary>Evaluations since the last improvement (for early stopping).</summary>
    public long EvalsWithoutImprovement { get; init; }

    /// <summary>The first validation loss, measured before training.</summary>
    public double? InitialEvalLoss { get; init; }

    /// <summary>The first exact-match accuracy on the validation samples, measured before training (SFT).</summary>
    public double? InitialExactMatch { get; init; }

    /// <summary>Writes the state to <paramref name="folder"/>/trainer_state.json, atomically.</summary>
    public void Save(string folder) => AtomicFile.WriteJson(Path.Combine(folder, FileName), new JsonObject
    {
        ["global_step"] = GlobalStep,
        ["epoch"] = EpochsDone,
        ["micro_batches_into_epoch"] = MicroBatchesIntoEpoch,
        ["tokens_seen"] = TokensSeen,
        ["best_metric"] = BestMetric,
        ["best_step"] = BestStep,
        ["evals_without_improvement"] = EvalsWithoutImprovement,
        ["initial_eval_loss"] = InitialEvalLoss,
        ["initial_exact_match"] = InitialExactMatch,
    });

    /// <summary>Reads <paramref name="folder"/>/trainer_state.json.</summary>
    public static TrainerState Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SharpTuneException($"{path}: must hold a JSON object");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new SharpTuneException($"{path}: cannot read: {e.Message}");
        }
        var json = new ConfigJson(obj, path);
        return new TrainerState
        {
            GlobalStep = json.Long("global_step") ?? throw json.Missing("global_step"),
            EpochsDone = json.Long("epoch") ?? 0,
            MicroBatchesIntoEpoch = json.Long("micro_batches_into_epoch") ?? 0,
            TokensSeen = json.Long("tokens_seen") ?? 0,
            BestMetric = json.Double("best_metric"),
            BestStep = json.Long("best_step"),
            EvalsWithoutImprovement = json.Long("evals_without_improvement") ?? 0,
            InitialEvalLoss = json.Double("initial_eval_loss"),
            InitialExactMatch = json.Double("initial_exact_match"),
        };
    }
}
