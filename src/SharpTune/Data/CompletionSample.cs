using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>A prompt and its completion without a chat template: the prompt is context (masked), the completion is trained.</summary>
public sealed record CompletionSample : DataRecord
{
    /// <summary>The prompt (may be empty: then the whole text is trained, as axolotl's <c>completion</c> type does).</summary>
    public required string Prompt { get; init; }

    /// <summary>The completion.</summary>
    public required string Completion { get; init; }

    /// <inheritdoc/>
    public override string FullText => Prompt + Completion;

    /// <inheritdoc/>
    public override IEnumerable<string> ResponseTexts => [Completion];

    /// <inheritdoc/>
    public override JsonObject ToJson() => new() { ["prompt"] = Prompt, ["completion"] = Completion };
}
