namespace SharpTune.Data;

/// <summary>The <c>cleaning:</c> block: which records to drop before tokenization (and after, for token lengths).</summary>
public sealed record CleaningConfig
{
    /// <summary>No cleaning at all (a config without a <c>cleaning:</c> block).</summary>
    public static CleaningConfig Off { get; } = new() { DefaultPhrases = false, Dedupe = DedupeMode.None };

    /// <summary><c>default_phrases</c>: include <see cref="PhraseFilter.DefaultPhrases"/> (default true).</summary>
    public bool DefaultPhrases { get; init; } = true;

    /// <summary><c>phrases</c>: more phrases; a record whose trained text contains one (ignoring case) is dropped.</summary>
    public IReadOnlyList<string> Phrases { get; init; } = [];

    /// <summary><c>dedupe</c>: none, exact or near (default exact).</summary>
    public DedupeMode Dedupe { get; init; } = DedupeMode.Exact;

    /// <summary><c>near_dup_threshold</c>: estimated Jaccard similarity of word shingles at or above which a record is a near duplicate (default 0.8).</summary>
    public double NearDupThreshold { get; init; } = 0.8;

    /// <summary><c>shingle_size</c>: words per shingle (default 3).</summary>
    public int ShingleSize { get; init; } = 3;

    /// <summary><c>minhash_bands</c>: LSH bands (default 16).</summary>
    public int MinHashBands { get; init; } = 16;

    /// <summary><c>minhash_rows</c>: MinHash values per band (default 8); bands × rows hash functions in all.</summary>
    public int MinHashRows { get; init; } = 8;

    /// <summary><c>min_chars</c>: drop records with fewer characters of text.</summary>
    public int? MinChars { get; init; }

    /// <summary><c>max_chars</c>: drop records with more characters of text.</summary>
    public int? MaxChars { get; init; }

    /// <summary><c>min_tokens</c>: drop samples with fewer tokens (counted before truncation).</summary>
    public int? MinTokens { get; init; }

    /// <summary><c>max_tokens</c>: drop samples with more tokens (counted before truncation).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>The phrases in force: the defaults (unless turned off) and the config's own.</summary>
    public IReadOnlyList<string> EffectivePhrases => DefaultPhrases ? [.. PhraseFilter.DefaultPhrases, .. Phrases] : Phrases;
}
