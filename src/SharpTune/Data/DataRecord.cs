using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>
/// A record in normalized form, whatever its source format: a <see cref="Conversation"/>, a <see cref="TextSample"/>,
/// a <see cref="CompletionSample"/> or a <see cref="PreferenceSample"/>.
/// </summary>
public abstract record DataRecord
{
    /// <summary>Where the record came from.</summary>
    public required RecordOrigin Origin { get; init; }

    /// <summary>Index of the dataset (in the config's <c>datasets</c> list) it belongs to.</summary>
    public int Dataset { get; init; }

    /// <summary>All of the record's text (roles included), as duplicate detection and length filters see it.</summary>
    public abstract string FullText { get; }

    /// <summary>The text the model is trained to produce (assistant replies, the completion, the chosen reply), as the phrase filter sees it.</summary>
    public abstract IEnumerable<string> ResponseTexts { get; }

    /// <summary>The record in the normalized JSON form <c>sharptune data clean</c> writes (one JSONL line).</summary>
    public abstract JsonObject ToJson();

    /// <summary>Messages as JSON <c>[{role, content}]</c>.</summary>
    protected static JsonArray MessagesJson(IEnumerable<Tokenization.ChatMessage> messages) =>
        new(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
}
