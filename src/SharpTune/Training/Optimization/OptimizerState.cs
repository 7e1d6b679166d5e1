using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>Checked reads from a saved optimizer state.</summary>
internal static class OptimizerState
{
    public static void CopyInto(IReadOnlyDictionary<string, Tensor> state, string key, Tensor target, string source)
    {
        if (!state.TryGetValue(key, out var saved))
            throw new SharpTuneException($"{source}: optimizer state '{key}' is missing");
        if (!saved.shape.SequenceEqual(target.shape))
            throw new SharpTuneException($"{source}: optimizer state '{key}' has shape [{string.Join(", ", saved.shape)}], expected [{string.Join(", ", target.shape)}]");
        using var noGrad = no_grad();
        target.copy_(saved);
    }

    public static long Scalar(IReadOnlyDictionary<string, Tensor> state, string key, string source) =>
        state.TryGetValue(key, out var saved) && saved.numel() == 1
            ? saved.to(ScalarType.Int64).item<long>()
            : throw new SharpTuneException($"{source}: optimizer state '{key}' is missing");
}
