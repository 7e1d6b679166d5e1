using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Inference;
using SharpTune.IO;

namespace SharpTune.Training.Distillation;

/// <summary>
/// The "strong model generates data" route of distillation: a teacher answers prompts through its chat template and
/// the conversations are written as <c>messages</c> JSONL, which the SFT stage reads with <c>type: messages</c>.
/// </summary>
public static class TeacherDataset
{
    /// <summary>
    /// Reads prompts from <paramref name="path"/>: a <c>.txt</c> file holds one per line; a <c>.jsonl</c> file one
    /// record per line with <c>prompt</c>, <c>instruction</c> (+ <c>input</c>, as alpaca) or <c>text</c>.
    /// </summary>
    /// <exception cref="SharpTuneException">The file is missing, or a line has none of those fields.</exception>
    public static IReadOnlyList<string> ReadPrompts(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found");
        var prompts = new List<string>();
        int line = 0;
        bool json = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            if (!json)
            {
                prompts.Add(text.Trim());
                continue;
            }
            JsonObject record;
            try
            {
                record = JsonNode.Parse(text) as JsonObject ?? throw new SharpTuneException($"{path}:{line}: expected a JSON object");
            }
            catch (JsonException e)
            {
                throw new SharpTuneException($"{path}:{line}: invalid JSON: {e.Message}");
            }
            string? Field(string name) => record[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
            string? prompt = Field("prompt")
                ?? (Field("instruction") is { } instruction ? (Field("input") is { Length: > 0 } input ? instruction + "\n\n" + input : instruction) : null)
                ?? Field("text");
            prompts.Add(prompt ?? throw new SharpTuneException($"{path}:{line}: field 'prompt' (or 'instruction', or 'text') is missing"));
        }
        if (prompts.Count == 0) throw new SharpTuneException($"{path}: no prompts");
        return prompts;
    }

    /// <summary>
    /// Has the teacher answer each prompt <paramref name="samplesPerPrompt"/> times (sample k with seed
    /// <c>options.Seed + k</c>, each in a fresh conversation made by <paramref name="newSession"/>), writing one
    /// <c>{"messages": [...]}</c> line per answer to <paramref name="outPath"/> (atomically). Returns the rows written.
    /// </summary>
    public static int Write(Func<GenerationOptions, ChatSession> newSession, GenerationOptions options, IReadOnlyList<string> prompts,
        int samplesPerPrompt, string outPath, Action<int, int>? onRow = null)
    {
        var lines = new List<string>();
        int total = prompts.Count * samplesPerPrompt;
        foreach (var prompt in prompts)
            for (int k = 0; k < samplesPerPrompt; k++)
            {
                var session = newSession(options with { Seed = options.Seed + k });
                string reply = session.Reply(prompt);
                var messages = new JsonArray();
                foreach (var m in session.History) messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
                lines.Add(new JsonObject { ["messages"] = messages }.ToJsonString());
                onRow?.Invoke(lines.Count, total);
            }
        AtomicFile.Write(outPath, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            foreach (var l in lines) writer.WriteLine(l);
        });
        return lines.Count;
    }
}
