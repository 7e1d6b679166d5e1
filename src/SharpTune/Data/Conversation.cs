using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>A chat for supervised fine-tuning: the assistant turns are trained, the rest is context.</summary>
/// <remarks>alpaca, sharegpt and messages (chat_template) datasets all become conversations.</remarks>
public sealed record Conversation : DataRecord
{
    /// <summary>The turns in order, with roles normalized to system, user, assistant (or another role the source named).</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <inheritdoc/>
    public override string FullText => string.Join("\n", Messages.Select(m => $"{m.Role}: {m.Content}"));

    /// <inheritdoc/>
    public override IEnumerable<string> ResponseTexts => Messages.Where(m => m.Role == "assistant").Select(m => m.Content);

    /// <inheritdoc/>
    public override JsonObject ToJson() => new() { ["messages"] = MessagesJson(Messages) };
}
