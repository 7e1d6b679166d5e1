using System.Text.Json.Nodes;
using SharpTune.Reporting;

namespace SharpTune.Training;

/// <summary>Where a run's numbers go: each record is a line of metrics.jsonl, and its numeric fields TensorBoard scalars (eval_* under eval/, the rest under train/).</summary>
public sealed class MetricsSink : IDisposable
{
    private readonly MetricsLog metrics;
    private readonly TorchSharp.Modules.SummaryWriter tensorboard;

    /// <summary>Opens output_dir's metrics.jsonl (keeping lines through <paramref name="keepThroughStep"/> when resuming) and its tensorboard folder.</summary>
    public MetricsSink(string outputDir, long? keepThroughStep)
    {
        metrics = new MetricsLog(Path.Combine(outputDir, "metrics.jsonl"), keepThroughStep);
        tensorboard = TorchSharp.torch.utils.tensorboard.SummaryWriter(Path.Combine(outputDir, "tensorboard"), createRunName: true);
    }

    /// <summary>Writes <paramref name="record"/> at <paramref name="step"/>.</summary>
    public void Write(JsonObject record, long step)
    {
        metrics.Write(record);
        foreach (var (key, value) in record)
        {
            if (key is "step" or "epoch" || value is not JsonValue v || !v.TryGetValue(out double number)) continue;
            string tag = key.StartsWith("eval_", StringComparison.Ordinal) ? "eval/" + key[5..] : "train/" + key;
            tensorboard.add_scalar(tag, (float)number, (int)step);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => metrics.Dispose();
}
