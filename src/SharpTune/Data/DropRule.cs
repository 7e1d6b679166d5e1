namespace SharpTune.Data;

/// <summary>The names under which the report counts dropped records, one per rule.</summary>
public static class DropRule
{
    /// <summary>A malformed record, skipped because <c>skip_bad_records</c> is on.</summary>
    public const string BadRecord = "bad_record";
    /// <summary>The trained text holds a filtered phrase.</summary>
    public const string Phrase = "phrase";
    /// <summary>The same text as an earlier record.</summary>
    public const string ExactDuplicate = "exact_duplicate";
    /// <summary>Nearly the same text as an earlier record (MinHash).</summary>
    public const string NearDuplicate = "near_duplicate";
    /// <summary>Fewer characters than <c>min_chars</c>.</summary>
    public const string TooShort = "too_short";
    /// <summary>More characters than <c>max_chars</c>.</summary>
    public const string TooLong = "too_long";
    /// <summary>Fewer tokens than <c>min_tokens</c>.</summary>
    public const string TooFewTokens = "too_few_tokens";
    /// <summary>More tokens than <c>max_tokens</c>.</summary>
    public const string TooManyTokens = "too_many_tokens";
    /// <summary>Longer than <c>sequence_len</c> with <c>excess_length_strategy: drop</c>.</summary>
    public const string ExceedsSequenceLen = "exceeds_sequence_len";
    /// <summary>Nothing left to train on (no assistant turn, an empty reply, or a reply cut off by truncation).</summary>
    public const string NoTrainedTokens = "no_trained_tokens";
}
