using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>A prompt with a preferred and a dispreferred reply, for reward modelling and DPO.</summary>
public sealed record PreferenceSample : DataRecord
{
    /// <summary>The conversation before the reply (at least one message; a string prompt is one user message).</summary>
    public required IReadOnlyList<ChatMessage> Prompt { get; init; }

    /// <summary>The preferred assistant reply.</summary>
    public required string Chosen { get; init; }

    /// <summary>The dispreferred assistant reply.</summary>
    public required string Rejected { get; init; }

    /// <inheritdoc/>
    public override string FullText =>
        string.Join("\n", Prompt.Select(m => $"{m.Role}: {m.Content}")) + $"\nchosen: {Chosen}\nrejected: {Rejected}";

    /// <inheritdoc/>
    public override IEnumerable<string> ResponseTexts => [Chosen];

    /// <inheritdoc/>
    public override JsonObject ToJson() => new()
    {
        ["prompt"] = MessagesJson(Prompt),
        ["chosen"] = Chosen,
        ["rejected"] = Rejected,
    };
}
