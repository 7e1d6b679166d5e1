using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>
/// The chat templates shipped in real tokenizer_config.json files (Llama 3, Qwen3, Gemma 3, DeepSeek V3),
/// rendered by us and by jinja2 as transformers does, byte for byte, over varied conversations.
/// </summary>
public sealed class TokenizerTemplateTests
{
    /// <summary>The special tokens transformers passes: the *_token strings, extra_special_tokens, additional_special_tokens.</summary>
    private static JsonObject PythonTokens(JsonObject raw)
    {
        static JsonNode? Text(JsonNode? n) => n switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.DeepClone(),
            JsonObject o when o["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String => c.DeepClone(),
            _ => null,
        };
        var tokens = new JsonObject();
        foreach (var (k, v) in raw)
            if (k.EndsWith("_token") && !k.StartsWith("add_") && Text(v) is { } t) tokens[k] = t;
        if (raw["extra_special_tokens"] is JsonObject extra)
            foreach (var (k, v) in extra)
                if (Text(v) is { } t) tokens[k] = t;
        if (raw["additional_special_tokens"] is JsonArray { Count: > 0 } additional)
            tokens["additional_special_tokens"] = new JsonArray(additional.Select(Text).ToArray());
        return tokens;
    }

    private static List<PythonTemplates.Case> Cases(string tokenizer, IEnumerable<(string Label, string Messages, string? Extra)> conversations)
    {
        var config = TokenizerConfig.Load(Peers.TokenizerFolder(tokenizer));
        var template = config.ChatTemplate!;
        var tokens = PythonTokens(config.Raw);
        var cases = new List<PythonTemplates.Case>();
        foreach (var (label, messages, extra) in conversations)
        {
            foreach (bool generation in new[] { false, true })
            {
                var variables = extra == null ? new JsonObject() : JsonNode.Parse(extra)!.AsObject();
                variables["messages"] = Conversations.Parse(messages);
                variables["add_generation_prompt"] = generation;
                cases.Add(new PythonTemplates.Case($"{tokenizer} {label} gen={generation}", template, variables, config, tokens));
            }
        }
        return cases;
    }

    private static IEnumerable<(string, string, string?)> Basic => Conversations.Basic.Select(c => (c.Label, c.Json, (string?)null));

    [Fact]
    public void Llama3_matches_jinja2() => PythonTemplates.AssertSameAsPython(Cases("llama3", Basic), []);

    [Fact]
    public void Qwen3_matches_jinja2()
    {
        const string tools = """
            {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "e.g. \"Paris\""}, "days": {"type": "integer"}}, "required": ["city"]}}},
              {"type": "function", "function": {"name": "now", "description": "Current time", "parameters": {"type": "object", "properties": {}}}}]}
            """;
        (string, string, string?)[] extra =
        [
            ("reasoning", """
                [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1", "reasoning_content": "thinking about q1"},
                 {"role": "user", "content": "q2"}, {"role": "assistant", "content": "<think>\nplan it\n</think>\n\nfinal answer"},
                 {"role": "assistant", "content": "more", "reasoning_content": null}]
                """, null),
            ("tool calls", """
                [{"role": "system", "content": "Use tools."}, {"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "content": "", "tool_calls": [
                    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2, "units": null, "ratio": 0.5}}},
                    {"type": "function", "function": {"name": "now", "arguments": "{\"tz\": \"CET\"}"}}]},
                 {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "12:00"},
                 {"role": "assistant", "content": "It is sunny at noon.", "tool_calls": [{"name": "flat", "arguments": {"é": "ü"}}]},
                 {"role": "user", "content": "<tool_response>\nfake\n</tool_response>"}]
                """, tools),
            ("tools no system", """[{"role": "user", "content": "hi"}]""", tools),
            ("thinking off", """[{"role": "user", "content": "hi"}]""", """{"enable_thinking": false}"""),
            ("thinking on", """[{"role": "user", "content": "hi"}]""", """{"enable_thinking": true}"""),
            ("system later", """[{"role": "user", "content": "a"}, {"role": "system", "content": "late system"}, {"role": "user", "content": "b"}]""", null),
        ];
        PythonTemplates.AssertSameAsPython(Cases("qwen3", Basic.Concat(extra)), []);
    }

    [Fact]
    public void Gemma3_matches_jinja2()
    {
        (string, string, string?)[] extra =
        [
            ("content parts", """
                [{"role": "system", "content": [{"type": "text", "text": "  System text  "}]},
                 {"role": "user", "content": [{"type": "image", "url": "x.png"}, {"type": "text", "text": "What is this?\n"}]},
                 {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
                 {"role": "user", "content": "And now?"}]
                """, null),
            ("roles must alternate", """[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]""", null),
            ("invalid content", """[{"role": "user", "content": 5}]""", null),
        ];
        PythonTemplates.AssertSameAsPython(Cases("gemma3", Basic.Concat(extra)), ["roles must alternate", "invalid content"]);
    }

    [Fact]
    public void DeepSeek_v3_matches_jinja2()
    {
        (string, string, string?)[] extra =
        [
            ("tool calls", """
                [{"role": "system", "content": "sys A"}, {"role": "system", "content": "sys B"}, {"role": "user", "content": "Do it"},
                 {"role": "assistant", "content": null, "tool_calls": [
                    {"type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}},
                    {"type": "function", "function": {"name": "g", "arguments": "{}"}}]},
                 {"role": "tool", "content": "r1"}, {"role": "tool", "content": "r2"},
                 {"role": "assistant", "content": "done"}, {"role": "user", "content": "more"}]
                """, null),
            ("tool output last", """
                [{"role": "user", "content": "go"},
                 {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                 {"role": "tool", "content": "result"}]
                """, null),
        ];
        PythonTemplates.AssertSameAsPython(Cases("deepseek_v3", Basic.Concat(extra)), []);
    }

    [Fact]
    public void Renders_the_known_text_for_a_simple_conversation()
    {
        var config = TokenizerConfig.Load(Peers.TokenizerFolder("qwen3"));
        var template = ChatTemplate.Resolve(null, config);
        var text = template.Render([new ChatMessage("system", "S"), new ChatMessage("user", "Hi")], addGenerationPrompt: true);
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }
}
