using System.Text.Json.Nodes;

namespace SharpTune.Data.Generated;

/// <summary>
/// A dataset made by a built-in task generator instead of read from files (<c>generate: larger_number</c> with
/// <c>rows</c> and an optional <c>seed</c>): the same rows for the same settings, as OpenAI-style chats.
/// </summary>
/// <param name="Task">The generator's name.</param>
/// <param name="Rows">How many records to make.</param>
/// <param name="Seed">The generator's seed.</param>
public sealed record GeneratedDataset(string Task, int Rows, long Seed)
{
    /// <summary>The task generators there are.</summary>
    public static readonly IReadOnlyList<string> Tasks = [LargerNumberTask.Name, LargerNumberPreferenceTask.Name];

    /// <summary>Whether the task makes preference records (<c>prompt</c>, <c>chosen</c>, <c>rejected</c>) rather than chats.</summary>
    public static bool IsPreference(string task) => task == LargerNumberPreferenceTask.Name;

    /// <summary>Bumped when a generator's output changes, so tokenized caches of the old output are not reused.</summary>
    public const int Version = 1;

    /// <summary>What records say they came from.</summary>
    public string Origin => $"generate:{Task}";

    /// <summary>The records, each <c>{"messages": [user, assistant]}</c> (or <c>{"prompt", "chosen", "rejected"}</c> for a preference task), numbered as rows from 1.</summary>
    public IEnumerable<SourceRecord> Records()
    {
        if (IsPreference(Task))
        {
            long n = 0;
            foreach (var (prompt, chosen, rejected) in LargerNumberPreferenceTask.Generate(Rows, Seed))
                yield return new SourceRecord(new JsonObject { ["prompt"] = prompt, ["chosen"] = chosen, ["rejected"] = rejected }, new RecordOrigin(Origin, Row: ++n));
            yield break;
        }
        var pairs = Task switch
        {
            LargerNumberTask.Name => LargerNumberTask.Generate(Rows, Seed),
            _ => throw new SharpTuneException($"unknown task generator '{Task}' (known: {string.Join(", ", Tasks)})"),
        };
        long row = 0;
        foreach (var (question, answer) in pairs)
        {
            var messages = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = question },
                new JsonObject { ["role"] = "assistant", ["content"] = answer });
            yield return new SourceRecord(new JsonObject { ["messages"] = messages }, new RecordOrigin(Origin, Row: ++row));
        }
    }
}
