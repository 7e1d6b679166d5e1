namespace SharpTune.Tokenization.Training;

/// <summary>What <see cref="BpeTrainer"/> learns: how big a vocabulary, from which pairs, around which special tokens.</summary>
public sealed class BpeTrainerOptions
{
    /// <summary>The vocabulary size to reach, counting the special tokens and the 256 byte tokens (as HF tokenizers counts it).</summary>
    public required int VocabSize { get; init; }

    /// <summary>A pair seen fewer times than this is never merged; training stops early when no pair is that frequent. Default 2.</summary>
    public long MinFrequency { get; init; } = 2;

    /// <summary>
    /// Special tokens, given ids 0, 1, ... in this order ahead of the byte tokens (as HF tokenizers' BpeTrainer does).
    /// Their text is cut out of the training text, so no merge learns from it.
    /// </summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    /// <summary>When set, no token longer than this many bytes is learned.</summary>
    public int? MaxTokenLength { get; init; }

    /// <summary>Called now and then while merging with (merges done, merges wanted at most).</summary>
    public Action<int, int>? Progress { get; init; }
}
