using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>What the pipeline tokenizes with: the tokenizer, a fingerprint of its files (for the cache key), and the chat template.</summary>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="Fingerprint">Changes whenever the tokenizer's files change.</param>
/// <param name="Template">The chat template for conversations and preference data.</param>
public sealed record TokenizerContext(ITokenizer Tokenizer, string Fingerprint, ResolvedChatTemplate Template);
