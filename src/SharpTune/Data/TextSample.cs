using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>Raw text for (continued) pretraining: every token is trained; text longer than <c>sequence_len</c> is split into pieces.</summary>
public sealed record TextSample : DataRecord
{
    /// <summary>The text.</summary>
    public required string Text { get; init; }

    /// <inheritdoc/>
    public override string FullText => Text;

    /// <inheritdoc/>
    public override IEnumerable<string> ResponseTexts => [Text];

    /// <inheritdoc/>
    public override JsonObject ToJson() => new() { ["text"] = Text };
}
