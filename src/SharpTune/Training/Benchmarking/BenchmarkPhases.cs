using System.Text.Json.Nodes;

namespace SharpTune.Training.Benchmarking;

/// <summary>Where a training step's time goes, in seconds summed over the timed steps.</summary>
/// <param name="Data">Building the batch tensors on the device.</param>
/// <param name="Forward">The forward pass and the loss.</param>
/// <param name="Backward">The backward pass.</param>
/// <param name="Optimizer">Gradient clipping, the optimizer update and clearing the gradients.</param>
public sealed record BenchmarkPhases(double Data, double Forward, double Backward, double Optimizer)
{
    /// <summary>The whole step.</summary>
    public double Total => Data + Forward + Backward + Optimizer;

    /// <summary>Each phase's share of the step, as a JSON object of fractions.</summary>
    public JsonObject Shares() => new()
    {
        ["data"] = Math.Round(Data / Total, 4),
        ["forward"] = Math.Round(Forward / Total, 4),
        ["backward"] = Math.Round(Backward / Total, 4),
        ["optimizer"] = Math.Round(Optimizer / Total, 4),
    };
}
