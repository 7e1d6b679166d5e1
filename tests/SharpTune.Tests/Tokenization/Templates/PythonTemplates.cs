using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>
/// Renders templates with tests/peers/render_template.py (jinja2 set up as transformers sets it up) and with our
/// interpreter, and compares them: the same text where Python succeeds, an error where Python fails.
/// </summary>
internal static class PythonTemplates
{
    /// <summary>The clock both sides read for strftime_now (render_template.py's default).</summary>
    public static readonly DateTime FixedNow = new(2025, 1, 15, 9, 30, 0);

    /// <summary>
    /// One render: the template and its variables (messages, add_generation_prompt, tools, …). With a
    /// <paramref name="Config"/>, ours takes the special tokens from it, and Python gets <paramref name="PythonTokens"/>.
    /// </summary>
    public sealed record Case(string Label, string Template, JsonObject Variables, TokenizerConfig? Config = null, JsonObject? PythonTokens = null);

    /// <summary>Python's result for each case: the text, or the error as "Kind: message".</summary>
    public static List<(string? Text, string? Error)> RenderAll(IReadOnlyList<Case> cases)
    {
        var request = new JsonArray();
        foreach (var c in cases)
        {
            var obj = (JsonObject)c.Variables.DeepClone();
            if (c.PythonTokens != null) foreach (var (k, v) in c.PythonTokens) obj[k] = v?.DeepClone();
            obj["template"] = c.Template;
            request.Add(obj);
        }
        var reply = JsonNode.Parse(Peers.Run("python3", ["render_template.py"], request.ToJsonString()))!.AsArray();
        return reply.Select(r => ((string?)r!["ok"], (string?)r["error"])).ToList();
    }

    /// <summary>Our result for one case, rendered through <see cref="ChatTemplate"/> as the peer renders through jinja2.</summary>
    public static (string? Text, string? Error) RenderOurs(Case c)
    {
        try
        {
            var template = ChatTemplate.FromSource(c.Template, c.Label, c.Config).WithClock(() => FixedNow);
            return (Render(c, template), null);
        }
        catch (SharpTuneException e)
        {
            return (null, e.Message);
        }
    }

    private static string Render(Case c, ChatTemplate template)
    {
        var variables = (JsonObject)c.Variables.DeepClone();
        var messages = variables["messages"] as JsonArray ?? [];
        variables.Remove("messages");
        bool addGenerationPrompt = variables["add_generation_prompt"] is JsonValue v && v.GetValue<bool>();
        variables.Remove("add_generation_prompt");
        return template.RenderJson((JsonArray)messages.DeepClone(), addGenerationPrompt, variables);
    }

    /// <summary>
    /// Renders every case both ways and fails with a list of all differences. With <paramref name="pythonFails"/>,
    /// also checks that Python fails exactly on the cases whose label contains one of them (so that a case tests what it should).
    /// </summary>
    public static void AssertSameAsPython(IReadOnlyList<Case> cases, string[]? pythonFails = null)
    {
        var python = RenderAll(cases);
        var problems = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            if (pythonFails != null && pythonFails.Any(cases[i].Label.Contains) != (python[i].Error != null))
                problems.Add($"[{cases[i].Label}] python {(python[i].Error != null ? "failed unexpectedly: " + python[i].Error : "succeeded, but the case expects it to fail")}");
            var (ourText, ourError) = RenderOurs(cases[i]);
            var (pyText, pyError) = python[i];
            if (pyText != null && ourText != pyText)
                problems.Add($"[{cases[i].Label}] {cases[i].Template}\n   python: {Show(pyText)}\n   ours:   {(ourText != null ? Show(ourText) : "ERROR " + ourError)}");
            else if (pyError != null && ourError == null)
                problems.Add($"[{cases[i].Label}] {cases[i].Template}\n   python raised {pyError}\n   ours rendered {Show(ourText!)}");
        }
        Assert.True(problems.Count == 0, $"{problems.Count} of {cases.Count} renders differ from jinja2:\n" + string.Join("\n", problems));
    }

    private static string Show(string s) => System.Text.Json.JsonSerializer.Serialize(s, new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
