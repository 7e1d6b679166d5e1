using SharpTune.IO;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Checkpoints;

/// <summary>What a checkpoint holds besides the weights so a run resumes exactly: the optimizer's state and the random generator's.</summary>
public static class OptimizerCheckpoint
{
    private const string OptimizerFile = "optimizer.safetensors";
    private const string RngFile = "rng_state.safetensors";

    /// <summary>Writes the optimizer and RNG state into checkpoint folder <paramref name="folder"/>.</summary>
    public static void Save(string folder, IOptimizer optimizer)
    {
        SafetensorsWriter.Write(Path.Combine(folder, OptimizerFile), optimizer.StateDict());
        SafetensorsWriter.Write(Path.Combine(folder, RngFile), [new("cpu", get_rng_state())]);
    }

    /// <summary>Restores the optimizer and RNG state from checkpoint folder <paramref name="folder"/>.</summary>
    public static void Restore(string folder, IOptimizer optimizer)
    {
        using (var saved = SafetensorsFile.Open(Path.Combine(folder, OptimizerFile)))
            optimizer.LoadStateDict(saved.Tensors.ToDictionary(t => t.Name, t => saved.ReadTensor(t.Name)), saved.Path);
        using var rng = SafetensorsFile.Open(Path.Combine(folder, RngFile));
        set_rng_state(rng.ReadTensor("cpu"));
    }
}
