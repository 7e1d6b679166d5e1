using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>
/// Everything the pipeline did to the data: per dataset, how many records were read, skipped as bad and dropped by
/// each rule; the bad and dropped records with their positions (the first <see cref="ListLimit"/> of each); and
/// the sizes of what was produced. Nothing is dropped without being counted here.
/// </summary>
public sealed class DataReport
{
    /// <summary>How many bad and dropped records are listed with their positions (all are counted).</summary>
    public const int ListLimit = 1000;

    private readonly List<RecordProblem> badRecords = [];
    private readonly List<RecordProblem> droppedRecords = [];

    /// <summary>Creates an empty report for the given datasets.</summary>
    public DataReport(IEnumerable<DatasetCounts> datasets)
    {
        Datasets = datasets.ToList();
    }

    /// <summary>Counts per dataset, in config order.</summary>
    public IReadOnlyList<DatasetCounts> Datasets { get; }

    /// <summary>Dropped records by rule, over all datasets (bad records under <see cref="DropRule.BadRecord"/>).</summary>
    public IReadOnlyDictionary<string, long> Dropped
    {
        get
        {
            var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var d in Datasets)
            {
                if (d.Bad > 0) totals[DropRule.BadRecord] = totals.GetValueOrDefault(DropRule.BadRecord) + d.Bad;
                foreach (var (rule, n) in d.Dropped) totals[rule] = totals.GetValueOrDefault(rule) + n;
            }
            return totals;
        }
    }

    /// <summary>Bad records with their position, field and problem (the first <see cref="ListLimit"/>).</summary>
    public IReadOnlyList<RecordProblem> BadRecords => badRecords;

    /// <summary>Dropped records with their position and rule (the first <see cref="ListLimit"/>).</summary>
    public IReadOnlyList<RecordProblem> DroppedRecords => droppedRecords;

    /// <summary>Samples (or rows, when packed) for training.</summary>
    public long TrainSamples { get; internal set; }

    /// <summary>Samples (or rows, when packed) held out for validation.</summary>
    public long ValidationSamples { get; internal set; }

    /// <summary>Preference pairs for training.</summary>
    public long TrainPairs { get; internal set; }

    /// <summary>Preference pairs held out for validation.</summary>
    public long ValidationPairs { get; internal set; }

    /// <summary>Tokens in all samples (padding excluded).</summary>
    public long Tokens { get; internal set; }

    /// <summary>Tokens with a label (not -100).</summary>
    public long TrainedTokens { get; internal set; }

    /// <summary>Samples cut to <c>sequence_len</c> (<c>excess_length_strategy: truncate</c>).</summary>
    public long Truncated { get; internal set; }

    /// <summary>Extra pieces made by splitting long text samples at <c>sequence_len</c>.</summary>
    public long SplitPieces { get; internal set; }

    /// <summary>Conversations whose template did not render prefixes as prefixes, masked by locating each reply's text instead.</summary>
    public long MaskingFallbacks { get; internal set; }

    /// <summary>Fraction of the packed rows' token slots that hold tokens (1 when not packed).</summary>
    public double PackingEfficiency { get; internal set; } = 1;

    /// <summary>The chat template used, by name.</summary>
    public string ChatTemplate { get; internal set; } = "";

    /// <summary>The cache: <c>miss</c> (built and saved), <c>hit</c>, or <c>rebuilt (…)</c> when a cache file was unreadable.</summary>
    public string Cache { get; internal set; } = "";

    internal void AddBad(RecordProblem problem)
    {
        if (badRecords.Count < ListLimit) badRecords.Add(problem);
    }

    internal void AddDropped(int dataset, RecordOrigin origin, string rule, string detail)
    {
        Datasets[dataset].Drop(rule);
        if (droppedRecords.Count < ListLimit) droppedRecords.Add(new RecordProblem(origin.ToString(), rule, null, detail));
    }

    /// <summary>As JSON (the report file <c>sharptune data clean</c> writes, and part of the cache).</summary>
    public JsonObject ToJson()
    {
        return new JsonObject
        {
            ["datasets"] = new JsonArray(Datasets.Select(d => (JsonNode)d.ToJson()).ToArray()),
            ["dropped"] = new JsonObject(Dropped.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["train_samples"] = TrainSamples,
            ["validation_samples"] = ValidationSamples,
            ["train_pairs"] = TrainPairs,
            ["validation_pairs"] = ValidationPairs,
            ["tokens"] = Tokens,
            ["trained_tokens"] = TrainedTokens,
            ["truncated"] = Truncated,
            ["split_pieces"] = SplitPieces,
            ["masking_fallbacks"] = MaskingFallbacks,
            ["packing_efficiency"] = Math.Round(PackingEfficiency, 4),
            ["chat_template"] = ChatTemplate,
            ["bad_records"] = new JsonArray(badRecords.Select(b => (JsonNode)b.ToJson()).ToArray()),
            ["dropped_records"] = new JsonArray(droppedRecords.Select(b => (JsonNode)b.ToJson()).ToArray()),
        };
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static DataReport FromJson(JsonObject o)
    {
        var report = new DataReport(o["datasets"]!.AsArray().Select(d => DatasetCounts.FromJson(d!.AsObject())))
        {
            TrainSamples = (long)o["train_samples"]!,
            ValidationSamples = (long)o["validation_samples"]!,
            TrainPairs = (long)o["train_pairs"]!,
            ValidationPairs = (long)o["validation_pairs"]!,
            Tokens = (long)o["tokens"]!,
            TrainedTokens = (long)o["trained_tokens"]!,
            Truncated = (long)o["truncated"]!,
            SplitPieces = (long)o["split_pieces"]!,
            MaskingFallbacks = (long)o["masking_fallbacks"]!,
            PackingEfficiency = (double)o["packing_efficiency"]!,
            ChatTemplate = (string)o["chat_template"]!,
        };
        report.badRecords.AddRange(o["bad_records"]!.AsArray().Select(b => RecordProblem.FromJson(b!.AsObject())));
        report.droppedRecords.AddRange(o["dropped_records"]!.AsArray().Select(b => RecordProblem.FromJson(b!.AsObject())));
        return report;
    }
}
