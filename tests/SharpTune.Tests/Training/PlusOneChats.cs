using System.Text.Json.Nodes;

namespace SharpTune.Tests.Training;

/// <summary>The chat data of the training tests: "what is i plus one?" conversations written to chat.jsonl.</summary>
internal static class PlusOneChats
{
    /// <summary>Writes <paramref name="count"/> conversations (i = 0 … count − 1) to chat.jsonl in <paramref name="dir"/>.</summary>
    public static void Write(TempFolder dir, int count) =>
        File.WriteAllLines(dir.File("chat.jsonl"), Enumerable.Range(0, count).Select(i => new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = $"what is {i} plus one?" },
                new JsonObject { ["role"] = "assistant", ["content"] = $"{i} plus one is {i + 1}." }),
        }.ToJsonString()));
}
