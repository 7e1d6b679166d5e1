using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>A chat template with the name it was chosen by and a fingerprint of its source (for the cache key).</summary>
/// <param name="Template">The template.</param>
/// <param name="Name">What reports call it, e.g. <c>chatml</c> or <c>tokenizer_default</c>.</param>
/// <param name="Fingerprint">Changes whenever the rendered text could change (e.g. the Jinja source).</param>
public sealed record ResolvedChatTemplate(IChatTemplate Template, string Name, string Fingerprint);
