using System.Security.Cryptography;
using System.Text;

namespace SharpTune.Data;

/// <summary>
/// Applies the record-level cleaning rules in order — phrase filter, character-length limits, exact duplicates,
/// near duplicates — keeping the first of any duplicates, and counts each drop under its rule in the report.
/// (Token-length limits need the tokenizer and are applied when samples are tokenized.)
/// </summary>
internal sealed class RecordCleaner(CleaningConfig config, long seed, DataReport report)
{
    private readonly PhraseFilter phrases = new(config.EffectivePhrases);
    private readonly Dictionary<string, RecordOrigin> seen = new(StringComparer.Ordinal);
    private readonly MinHashIndex? near = config.Dedupe == DedupeMode.Near
        ? new MinHashIndex(config.ShingleSize, config.MinHashBands, config.MinHashRows, config.NearDupThreshold, seed)
        : null;
    private readonly List<RecordOrigin> nearOrigins = [];

    /// <summary>The records that pass every rule, in their original order.</summary>
    public List<DataRecord> Clean(IEnumerable<DataRecord> records)
    {
        var kept = new List<DataRecord>();
        foreach (var record in records)
        {
            var drop = Check(record);
            if (drop is null) kept.Add(record);
            else report.AddDropped(record.Dataset, record.Origin, drop.Value.Rule, drop.Value.Detail);
        }
        return kept;
    }

    private (string Rule, string Detail)? Check(DataRecord record)
    {
        if (phrases.FindIn(record.ResponseTexts) is { } phrase) return (DropRule.Phrase, $"contains \"{phrase}\"");
        string text = record.FullText;
        if (config.MinChars is { } min && text.Length < min) return (DropRule.TooShort, $"{text.Length} characters, fewer than min_chars {min}");
        if (config.MaxChars is { } max && text.Length > max) return (DropRule.TooLong, $"{text.Length} characters, more than max_chars {max}");
        if (config.Dedupe == DedupeMode.None) return null;
        string key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(PhraseFilter.Normalize(text))));
        if (seen.TryGetValue(key, out var first)) return (DropRule.ExactDuplicate, $"same text as {first}");
        if (near?.AddOrMatch(text) is { } match)
            return (DropRule.NearDuplicate, $"similar ({match.Similarity:F2}) to {nearOrigins[match.Match]}");
        if (near is not null) nearOrigins.Add(record.Origin);
        seen[key] = record.Origin;
        return null;
    }
}
