using SharpTune.IO;
using SharpTune.Training.Checkpoints;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// What a checkpoint holds besides the model: the optimizer state and the random state, written beside the
/// weights in the store's atomic checkpoint folder, and read back on resume.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The optimizer state's file.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>The random state's file.</summary>
    public const string RngFile = "rng_state.safetensors";

    /// <summary>Saves checkpoint-STEP for <paramref name="state"/> (weights by <paramref name="saveModel"/>), then prunes to <paramref name="limit"/> keeping <paramref name="keepStep"/>.</summary>
    public static void Save(CheckpointStore store, TrainerState state, Action<string> saveModel, IOptimizer optimizer, int? limit, long? keepStep)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Save(store, state, saveModel, optimizer.StateDict(), limit, keepStep);
    }

    /// <summary>As <see cref="Save(CheckpointStore, TrainerState, Action{string}, IOptimizer, int?, long?)"/>, with the optimizer state already taken (a sharded optimizer's, consolidated).</summary>
    public static void Save(CheckpointStore store, TrainerState state, Action<string> saveModel, IReadOnlyDictionary<string, Tensor> optimizerState, int? limit, long? keepStep)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.Save(state, folder =>
        {
            saveModel(folder);
            SafetensorsWriter.Write(Path.Combine(folder, OptimizerFile), optimizerState);
            SafetensorsWriter.Write(Path.Combine(folder, RngFile), [new("cpu", get_rng_state())]);
        });
        store.Prune(limit, keepStep);
    }

    /// <summary>Restores the optimizer and random state saved in <paramref name="folder"/>.</summary>
    public static void Restore(string folder, IOptimizer optimizer)
    {
        using (var saved = SafetensorsFile.Open(Path.Combine(folder, OptimizerFile)))
            optimizer.LoadStateDict(saved.Tensors.ToDictionary(t => t.Name, t => saved.ReadTensor(t.Name)), saved.Path);
        using var rng = SafetensorsFile.Open(Path.Combine(folder, RngFile));
        set_rng_state(rng.ReadTensor("cpu"));
    }
}
