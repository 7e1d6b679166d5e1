using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>Turns a source record into its normalized form, by its dataset's <c>type</c>.</summary>
internal sealed class RecordFormats(DatasetSpec spec, int dataset)
{
    private readonly MessageParser messages = new(spec);

    /// <summary>The normalized record.</summary>
    /// <exception cref="RecordFormatException">The record does not fit the format; the field is named.</exception>
    public DataRecord Parse(SourceRecord record) => spec.Format switch
    {
        DatasetFormat.Alpaca => Alpaca(record),
        DatasetFormat.ShareGpt or DatasetFormat.Messages => Chat(record),
        DatasetFormat.Completion => Completion(record),
        DatasetFormat.Text => new TextSample { Origin = record.Origin, Dataset = dataset, Text = FieldValues.RequiredText(record.Fields, spec.Field ?? "text") },
        _ => Preference(record),
    };

    /// <summary>instruction [+ blank line + input] is the user turn, output the assistant turn, system (if any) the system turn.</summary>
    private Conversation Alpaca(SourceRecord record)
    {
        var f = record.Fields;
        string instruction = FieldValues.RequiredText(f, "instruction");
        string? input = FieldValues.OptionalText(f, "input");
        string output = FieldValues.RequiredText(f, "output");
        string? system = FieldValues.OptionalText(f, "system");
        var turns = new List<ChatMessage>(3);
        if (!string.IsNullOrEmpty(system)) turns.Add(new ChatMessage("system", system));
        turns.Add(new ChatMessage("user", string.IsNullOrEmpty(input) ? instruction : $"{instruction}\n\n{input}"));
        turns.Add(new ChatMessage("assistant", output));
        return new Conversation { Origin = record.Origin, Dataset = dataset, Messages = turns };
    }

    private Conversation Chat(SourceRecord record)
    {
        string field = spec.FieldMessages ?? (spec.Format == DatasetFormat.ShareGpt ? "conversations" : "messages");
        var turns = messages.Parse(FieldValues.RequiredList(record.Fields, field), field);
        if (turns.Count == 0) throw new RecordFormatException(field, "the conversation is empty");
        return new Conversation { Origin = record.Origin, Dataset = dataset, Messages = turns };
    }

    /// <summary>prompt + completion (prompt masked), or the <c>field</c> (default text) trained whole.</summary>
    private CompletionSample Completion(SourceRecord record)
    {
        var f = record.Fields;
        if (spec.Field is null && f.ContainsKey("completion"))
            return new CompletionSample
            {
                Origin = record.Origin,
                Dataset = dataset,
                Prompt = FieldValues.OptionalText(f, "prompt") ?? "",
                Completion = FieldValues.RequiredText(f, "completion"),
            };
        return new CompletionSample { Origin = record.Origin, Dataset = dataset, Prompt = "", Completion = FieldValues.RequiredText(f, spec.Field ?? "text") };
    }

    /// <summary>
    /// chosen and rejected are replies (text or one assistant turn) to <c>prompt</c> (text, or a list of turns), or
    /// whole conversations (lists) that share everything but the final assistant reply. An optional <c>system</c> text leads the prompt.
    /// </summary>
    private PreferenceSample Preference(SourceRecord record)
    {
        var f = record.Fields;
        var (chosenPrefix, chosen) = Reply(f, "chosen");
        var (rejectedPrefix, rejected) = Reply(f, "rejected");
        List<ChatMessage> prompt;
        if (chosenPrefix.Count > 0)
        {
            if (!chosenPrefix.SequenceEqual(rejectedPrefix))
                throw new RecordFormatException("rejected", "the conversation differs from 'chosen' before the final reply");
            prompt = chosenPrefix;
        }
        else if (rejectedPrefix.Count > 0) throw new RecordFormatException("chosen", "is a single reply while 'rejected' is a conversation");
        else
        {
            var node = f["prompt"] ?? throw new RecordFormatException("prompt", f.ContainsKey("prompt") ? "is null" : "missing");
            prompt = ListOf(node) is { } list ? messages.Parse(list, "prompt") : [new ChatMessage("user", FieldValues.AsText(node, "prompt")!)];
            if (prompt.Count == 0) throw new RecordFormatException("prompt", "is empty");
        }
        if (FieldValues.OptionalText(f, "system") is { Length: > 0 } system && prompt[0].Role != "system")
            prompt.Insert(0, new ChatMessage("system", system));
        return new PreferenceSample { Origin = record.Origin, Dataset = dataset, Prompt = prompt, Chosen = chosen, Rejected = rejected };
    }

    /// <summary>A reply field: text, one turn, or a conversation ending in an assistant turn (returned with the turns before it).</summary>
    private (List<ChatMessage> Prefix, string Reply) Reply(JsonObject f, string field)
    {
        var node = f[field] ?? throw new RecordFormatException(field, f.ContainsKey(field) ? "is null" : "missing");
        if (node is JsonObject) return ([], AssistantText(messages.ParseOne(node, field), field));
        if (ListOf(node) is { } list)
        {
            var turns = messages.Parse(list, field);
            if (turns.Count == 0) throw new RecordFormatException(field, "the conversation is empty");
            return (turns[..^1], AssistantText(turns[^1], $"{field}[{turns.Count - 1}]"));
        }
        return ([], FieldValues.AsText(node, field)!);
    }

    /// <summary>The list <paramref name="node"/> is or holds as JSON text; null for other text.</summary>
    private static JsonArray? ListOf(JsonNode node)
    {
        if (node is JsonArray array) return array;
        if (node is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String) return null;
        string text = v.GetValue<string>();
        if (!text.TrimStart().StartsWith('[')) return null;
        try
        {
            return JsonNode.Parse(text) as JsonArray;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string AssistantText(ChatMessage message, string field) =>
        message.Role == "assistant" ? message.Content : throw new RecordFormatException(field, $"the reply must be an assistant turn, got role '{message.Role}'");
}
