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
    public static readonly IReadOnlyList<string> Tasks = [LargerNumberTask.Name];

    /// <summary>Bumped when a generator's output changes, so tokenized caches of the old output are not reused.</summary>
    public const int Version = 1;

    /// <summary>What records say they came from.</summary>
    public string Origin => $"generate:{Task}";

    /// <summary>The records, each <c>{"messages": [user, assistant]}</c>, numbered as rows from 1.</summary>
    public IEnumerable<SourceRecord> Records()
    {
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
