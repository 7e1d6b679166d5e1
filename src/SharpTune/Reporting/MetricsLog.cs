using System.Text;
using System.Text.Json.Nodes;

namespace SharpTune.Reporting;

/// <summary>
/// <c>metrics.jsonl</c>: one JSON object per logged step or evaluation, flushed as written so that a killed run
/// keeps what it logged. On resume, lines after the checkpoint's step are dropped so the log reads as one run.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter writer;

    /// <summary>Opens <paramref name="path"/> for appending, first dropping lines whose <c>step</c> is above <paramref name="keepThroughStep"/> (all lines when it is null).</summary>
    public MetricsLog(string path, long? keepThroughStep)
    {
        Path = path;
        var kept = new List<string>();
        if (keepThroughStep is { } last && File.Exists(path))
            kept.AddRange(File.ReadLines(path).Where(line => StepOf(line) is { } s && s <= last));
        File.WriteAllLines(path, kept);
        writer = new StreamWriter(path, append: true, new UTF8Encoding(false)) { AutoFlush = true };
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>Appends one record.</summary>
    public void Write(JsonObject record) => writer.WriteLine(record.ToJsonString());

    /// <summary>Reads the records of <paramref name="path"/>, skipping a torn last line.</summary>
    public static IReadOnlyList<JsonObject> Read(string path)
    {
        var records = new List<JsonObject>();
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (JsonNode.Parse(line) is JsonObject o) records.Add(o);
            }
            catch (System.Text.Json.JsonException)
            {
                // A line torn by a kill is not a record.
            }
        }
        return records;
    }

    /// <inheritdoc/>
    public void Dispose() => writer.Dispose();

    private static long? StepOf(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["step"]?.GetValue<long>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
