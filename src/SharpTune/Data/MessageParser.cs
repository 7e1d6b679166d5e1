using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Reads a list of chat turns in the shapes axolotl accepts: ShareGPT's <c>{from, value}</c> and OpenAI's
/// <c>{role, content}</c> (content as text or as a list of <c>{type: text, text}</c> parts), with role names mapped
/// to system, user, assistant and tool (human→user, gpt→assistant, …, plus the dataset's <c>roles</c>).
/// </summary>
internal sealed class MessageParser
{
    private static readonly Dictionary<string, string> DefaultRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["system"] = "system",
        ["user"] = "user", ["human"] = "user", ["prompter"] = "user",
        ["assistant"] = "assistant", ["gpt"] = "assistant", ["model"] = "assistant", ["bot"] = "assistant", ["chatgpt"] = "assistant", ["bing"] = "assistant", ["bard"] = "assistant",
        ["tool"] = "tool", ["function"] = "tool", ["observation"] = "tool", ["ipython"] = "tool",
    };

    private readonly Dictionary<string, string> roles;
    private readonly string? roleKey;
    private readonly string? contentKey;

    public MessageParser(DatasetSpec spec)
    {
        roles = new Dictionary<string, string>(DefaultRoles, StringComparer.OrdinalIgnoreCase);
        foreach (var (target, sources) in spec.Roles)
            foreach (var source in sources) roles[source] = target;
        roleKey = spec.MessageFieldRole;
        contentKey = spec.MessageFieldContent;
    }

    /// <summary>The turns of <paramref name="list"/>; <paramref name="field"/> names it in errors.</summary>
    public List<ChatMessage> Parse(JsonArray list, string field)
    {
        var messages = new List<ChatMessage>(list.Count);
        for (int i = 0; i < list.Count; i++) messages.Add(ParseOne(list[i], $"{field}[{i}]"));
        return messages;
    }

    /// <summary>One turn; <paramref name="field"/> names it in errors.</summary>
    public ChatMessage ParseOne(JsonNode? node, string field)
    {
        if (node is not JsonObject turn) throw new RecordFormatException(field, $"expected a turn such as {{\"role\": \"user\", \"content\": \"…\"}}, got {FieldValues.Describe(node)}");
        string rk = roleKey ?? (turn.ContainsKey("from") ? "from" : "role");
        string ck = contentKey ?? (turn.ContainsKey("value") ? "value" : "content");
        string source = FieldValues.RequiredText(turn, rk, field + ".");
        if (!roles.TryGetValue(source, out var role))
            throw new RecordFormatException($"{field}.{rk}", $"unknown role '{source}' (map it with roles: {{user: [...], assistant: [...]}})");
        return new ChatMessage(role, Content(turn, ck, $"{field}.{ck}"));
    }

    private static string Content(JsonObject turn, string key, string field)
    {
        if (!turn.ContainsKey(key)) throw new RecordFormatException(field, "missing");
        switch (turn[key])
        {
            case null:
                return "";
            case JsonArray parts:
                var text = new StringBuilder();
                for (int i = 0; i < parts.Count; i++)
                {
                    if (parts[i] is JsonObject part && part["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String
                        && type.GetValue<string>() == "text" && part["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String)
                        text.Append(t.GetValue<string>());
                    else
                        throw new RecordFormatException($"{field}[{i}]", "only text parts {\"type\": \"text\", \"text\": \"…\"} are supported");
                }
                return text.ToString();
            case var node:
                return FieldValues.AsText(node, field)!;
        }
    }
}
