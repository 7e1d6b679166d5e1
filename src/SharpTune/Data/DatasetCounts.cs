using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>What happened to one dataset's records: how many were read, skipped as bad, dropped by each rule, kept.</summary>
public sealed class DatasetCounts
{
    private readonly SortedDictionary<string, long> dropped = new(StringComparer.Ordinal);

    /// <summary>The dataset's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its type (alpaca, sharegpt, …).</summary>
    public required string Type { get; init; }

    /// <summary>Records read and understood.</summary>
    public long Read { get; internal set; }

    /// <summary>Malformed records skipped (<c>skip_bad_records</c>).</summary>
    public long Bad { get; internal set; }

    /// <summary>Records that made it into samples.</summary>
    public long Kept { get; internal set; }

    /// <summary>Tokenized samples made from the kept records (more than <see cref="Kept"/> when long texts were split).</summary>
    public long Samples { get; internal set; }

    /// <summary>Records dropped, by rule.</summary>
    public IReadOnlyDictionary<string, long> Dropped => dropped;

    internal void Drop(string rule) => dropped[rule] = dropped.GetValueOrDefault(rule) + 1;

    /// <summary>As JSON.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["type"] = Type,
        ["read"] = Read,
        ["bad"] = Bad,
        ["kept"] = Kept,
        ["samples"] = Samples,
        ["dropped"] = new JsonObject(dropped.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static DatasetCounts FromJson(JsonObject o)
    {
        var counts = new DatasetCounts
        {
            Name = (string)o["name"]!,
            Type = (string)o["type"]!,
            Read = (long)o["read"]!,
            Bad = (long)o["bad"]!,
            Kept = (long)o["kept"]!,
            Samples = (long)o["samples"]!,
        };
        foreach (var (rule, n) in o["dropped"]!.AsObject()) counts.dropped[rule] = (long)n!;
        return counts;
    }
}
