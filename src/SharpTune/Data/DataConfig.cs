using SharpTune.Config;
using SharpTune.Data.Generated;

namespace SharpTune.Data;

/// <summary>
/// The data settings of a run config, under axolotl's key names: which datasets, how they are templated, masked,
/// cleaned, truncated, packed, split and cached. A training config embeds these keys beside its own:
/// <see cref="Read(YamlConfigFile)"/> reads only the keys in <see cref="Keys"/> (marking them read), so the trainer
/// reads its own keys afterwards and then calls <see cref="YamlConfigFile.RejectUnknownKeys"/> for the union.
/// Commands that take data without a config (<c>sharptune eval</c>) build the record in code with an initializer;
/// the defaults are the YAML defaults, with no cleaning and, unless <see cref="PreparedPath"/> is set, no cache.
/// </summary>
public sealed record DataConfig
{
    /// <summary>The top-level keys this type reads. <c>base_model</c>, <c>output_dir</c>, <c>sequence_len</c>,
    /// <c>val_set_size</c> and <c>seed</c> are shared with the trainer.</summary>
    public static IReadOnlySet<string> Keys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "datasets", "sequence_len", "sample_packing", "val_set_size", "seed", "train_on_inputs", "chat_template",
        "dataset_prepared_path", "skip_bad_records", "excess_length_strategy", "cleaning", "tokenizer", "base_model", "output_dir",
    };

    /// <summary>The keys of one <c>datasets</c> entry.</summary>
    public static IReadOnlySet<string> DatasetKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "path", "generate", "rows", "seed", "type", "ds_type", "name", "field", "field_messages", "message_field_role", "message_field_content",
        "roles", "columns", "query", "split",
    };

    /// <summary>The keys of the <c>cleaning</c> block.</summary>
    public static IReadOnlySet<string> CleaningKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "phrases", "default_phrases", "dedupe", "near_dup_threshold", "shingle_size", "minhash_bands", "minhash_rows",
        "min_chars", "max_chars", "min_tokens", "max_tokens",
    };

    /// <summary>The config file the settings came from (relative paths were resolved against its folder).</summary>
    public string ConfigFile { get; init; } = "";

    /// <summary><c>datasets</c>: at least one.</summary>
    public required IReadOnlyList<DatasetSpec> Datasets { get; init; }

    /// <summary><c>sequence_len</c>: the most tokens in a sample (or a packed row). Default 512.</summary>
    public int SequenceLen { get; init; } = 512;

    /// <summary><c>sample_packing</c>: put several samples into each row of <c>sequence_len</c> tokens. Default false.</summary>
    public bool SamplePacking { get; init; }

    /// <summary><c>val_set_size</c>: below 1, the fraction of samples held out for validation (rounded up); from 1, their count. Default 0.</summary>
    public double ValSetSize { get; init; }

    /// <summary><c>seed</c>: of the shuffle and the MinHash functions. Default 42.</summary>
    public long Seed { get; init; } = 42;

    /// <summary><c>train_on_inputs</c>: train on every token, not only the assistant turns / completions. Default false.</summary>
    public bool TrainOnInputs { get; init; }

    /// <summary><c>chat_template</c>: a built-in name (chatml, llama3, alpaca, vicuna, …) or <c>tokenizer_default</c> (the default: the tokenizer's own, else chatml).</summary>
    public string ChatTemplate { get; init; } = "tokenizer_default";

    /// <summary><c>dataset_prepared_path</c>: the folder of the tokenized cache. Default <c>output_dir/prepared</c>, else
    /// <c>.sharptune/prepared</c> beside the config; null (settings built in code) for no cache.</summary>
    public string? PreparedPath { get; init; }

    /// <summary><c>skip_bad_records</c>: skip malformed records (each counted and listed in the report) instead of failing. Default false.</summary>
    public bool SkipBadRecords { get; init; }

    /// <summary><c>excess_length_strategy</c>: drop (default) or truncate samples longer than <c>sequence_len</c>.</summary>
    public ExcessLengthStrategy ExcessLength { get; init; } = ExcessLengthStrategy.Drop;

    /// <summary><c>cleaning</c>: the cleaning rules; <see cref="CleaningConfig.Off"/> when the block is absent.</summary>
    public CleaningConfig Cleaning { get; init; } = CleaningConfig.Off;

    /// <summary><c>base_model</c>: a model folder or <c>preset:NAME</c>, whose tokenizer is used (resolved path).</summary>
    public string? BaseModel { get; init; }

    /// <summary>
    /// When <c>base_model</c> is <c>run:OTHER.yaml</c>: that config file (resolved path). The base model is then its
    /// <c>output_dir</c>, trained first if it is not there yet.
    /// </summary>
    public string? BaseRun { get; init; }

    /// <summary><c>tokenizer</c>: a folder with tokenizer.json/tokenizer_config.json to use instead of the base model's (resolved path).</summary>
    public string? Tokenizer { get; init; }

    /// <summary><c>output_dir</c> (resolved path), when the config has one.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Reads the data settings of the config at <paramref name="path"/>, ignoring keys that belong to others (a trainer's).</summary>
    public static DataConfig Load(string path) => Read(YamlConfigFile.Load(path));

    /// <summary>Reads the keys in <see cref="Keys"/> from <paramref name="yaml"/>; dataset entries and the cleaning block are checked strictly.</summary>
    public static DataConfig Read(YamlConfigFile yaml)
    {
        var root = yaml.Root;
        string folder = yaml.Folder;
        string Resolve(string p) => p.StartsWith("preset:", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(p)
            ? p
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, p));

        long seed = root.Long("seed", 42);
        var datasets = root.SectionList("datasets", "{path: data.jsonl, type: alpaca}").Select(s => ReadDataset(s, Resolve, seed)).ToList();
        if (datasets.Count == 0) throw new SharpTuneException($"{yaml.Path}: 'datasets' must list at least one dataset");

        string? outputDir = root.String("output_dir") is { } o ? Resolve(o) : null;
        string prepared = root.String("dataset_prepared_path") is { } p
            ? Resolve(p)
            : outputDir is not null ? System.IO.Path.Combine(outputDir, "prepared") : Resolve(System.IO.Path.Combine(".sharptune", "prepared"));

        long sequenceLen = root.Long("sequence_len", 512);
        if (sequenceLen is < 2 or > 1 << 24) throw root.Error("sequence_len", $"must be between 2 and {1 << 24}, got {sequenceLen}");
        double val = root.Double("val_set_size", 0);
        if (val < 0 || (val >= 1 && val != Math.Floor(val))) throw root.Error("val_set_size", $"must be a fraction in [0, 1) or a whole count, got {val}");

        string? baseModel = root.String("base_model");
        string? baseRun = baseModel is null ? null : RunReference.ConfigOf(yaml, "base_model", baseModel);

        var config = new DataConfig
        {
            ConfigFile = yaml.Path,
            Datasets = datasets,
            SequenceLen = (int)sequenceLen,
            SamplePacking = root.Bool("sample_packing", false),
            ValSetSize = val,
            Seed = seed,
            TrainOnInputs = root.Bool("train_on_inputs", false),
            ChatTemplate = root.String("chat_template") ?? "tokenizer_default",
            PreparedPath = prepared,
            SkipBadRecords = root.Bool("skip_bad_records", false),
            ExcessLength = root.String("excess_length_strategy") switch
            {
                null or "drop" => ExcessLengthStrategy.Drop,
                "truncate" => ExcessLengthStrategy.Truncate,
                var other => throw root.Error("excess_length_strategy", $"expected drop or truncate, got '{other}'"),
            },
            Cleaning = root.Section("cleaning") is { } c ? ReadCleaning(c) : CleaningConfig.Off,
            BaseModel = baseModel is null ? null : baseRun is null ? Resolve(baseModel) : RunReference.OutputDirOf(yaml, "base_model", baseRun),
            BaseRun = baseRun,
            Tokenizer = root.String("tokenizer") is { } t ? Resolve(t) : null,
            OutputDir = outputDir,
        };
        return config;
    }

    private static DatasetSpec ReadDataset(YamlSection s, Func<string, string> resolve, long seed)
    {
        if (s.Has("generate")) return ReadGenerated(s, seed);
        string path = s.RequiredString("path");
        string typeName = s.String("type") ?? throw s.Error("type", $"required key 'type' is missing ({DatasetTypes.Names})");
        var format = DatasetTypes.Parse(typeName)
            ?? throw s.Error("type", $"unknown dataset type '{typeName}' (known: {DatasetTypes.Names})");
        SourceKind? source = s.String("ds_type") switch
        {
            null => null,
            "json" or "jsonl" => SourceKind.Json,
            "csv" => SourceKind.Csv,
            "parquet" => SourceKind.Parquet,
            "html" => SourceKind.Html,
            "sqlite" => SourceKind.Sqlite,
            "text" or "txt" => SourceKind.Text,
            var other => throw s.Error("ds_type", $"unknown ds_type '{other}' (known: json, csv, parquet, html, sqlite, text)"),
        };
        string? split = s.String("split");
        if (split is not null && split != "train")
            throw s.Error("split", $"local files have one split; only 'train' is accepted, got '{split}'");
        var spec = new DatasetSpec
        {
            Path = resolve(path),
            Format = format,
            Source = source,
            Name = s.String("name") ?? path,
            Field = s.String("field"),
            FieldMessages = s.String("field_messages"),
            MessageFieldRole = s.String("message_field_role"),
            MessageFieldContent = s.String("message_field_content"),
            Roles = s.StringListMap("roles"),
            Columns = s.StringMap("columns"),
            Query = s.String("query"),
            ConfigPosition = $"{s.File}:{s.Line}: {s.KeyPath}",
        };
        s.RejectUnknownKeys();
        if (spec.Roles.Keys.FirstOrDefault(r => r is not ("system" or "user" or "assistant" or "tool")) is { } badRole)
            throw s.Error("roles", $"unknown target role '{badRole}' (system, user, assistant or tool)");
        bool isSqlite = source == SourceKind.Sqlite || (source is null && RecordSources.KindOf(spec.Path) == SourceKind.Sqlite);
        if (isSqlite && spec.Query is null) throw s.Error("query", "a SQLite dataset needs a 'query', e.g. SELECT question AS instruction, answer AS output FROM faq");
        if (!isSqlite && spec.Query is not null) throw s.Error("query", "only SQLite datasets take a query");
        return spec;
    }

    /// <summary>A <c>generate:</c> entry: a built-in task's chats instead of files.</summary>
    private static DatasetSpec ReadGenerated(YamlSection s, long seed)
    {
        string task = s.RequiredString("generate");
        if (!GeneratedDataset.Tasks.Contains(task))
            throw s.Error("generate", $"unknown task generator '{task}' (known: {string.Join(", ", GeneratedDataset.Tasks)})");
        if (s.Has("path")) throw s.Error("path", "give path or generate, not both");
        bool preference = GeneratedDataset.IsPreference(task);
        if (s.String("type") is { } type && (preference ? type != "preference" : type is not ("messages" or "chat_template")))
            throw s.Error("type", preference ? $"{task} makes preference pairs (type: preference), got '{type}'" : $"generated datasets are chats (type: messages), got '{type}'");
        long rows = s.Long("rows", 0);
        if (rows is < 1 or > 10_000_000) throw s.Error("rows", $"how many records to generate: between 1 and 10000000, got {rows}");
        var generated = new GeneratedDataset(task, (int)rows, s.Long("seed", seed));
        var spec = new DatasetSpec
        {
            Path = generated.Origin,
            Generate = generated,
            Format = preference ? DatasetFormat.Preference : DatasetFormat.Messages,
            Name = s.String("name") ?? generated.Origin,
            ConfigPosition = $"{s.File}:{s.Line}: {s.KeyPath}",
        };
        s.RejectUnknownKeys();
        return spec;
    }

    private static CleaningConfig ReadCleaning(YamlSection s)
    {
        int? OptionalInt(string key)
        {
            long? v = s.OptionalLong(key);
            if (v is < 0 or > int.MaxValue) throw s.Error(key, $"must be between 0 and {int.MaxValue}, got {v}");
            return (int?)v;
        }
        var cleaning = new CleaningConfig
        {
            DefaultPhrases = s.Bool("default_phrases", true),
            Phrases = s.StringList("phrases"),
            Dedupe = s.String("dedupe") switch
            {
                null or "exact" => DedupeMode.Exact,
                "near" => DedupeMode.Near,
                "none" => DedupeMode.None,
                var other => throw s.Error("dedupe", $"expected none, exact or near, got '{other}'"),
            },
            NearDupThreshold = s.Double("near_dup_threshold", 0.8),
            ShingleSize = OptionalInt("shingle_size") ?? 3,
            MinHashBands = OptionalInt("minhash_bands") ?? 16,
            MinHashRows = OptionalInt("minhash_rows") ?? 8,
            MinChars = OptionalInt("min_chars"),
            MaxChars = OptionalInt("max_chars"),
            MinTokens = OptionalInt("min_tokens"),
            MaxTokens = OptionalInt("max_tokens"),
        };
        s.RejectUnknownKeys();
        if (!(cleaning.NearDupThreshold > 0 && cleaning.NearDupThreshold <= 1)) throw s.Error("near_dup_threshold", "must be in (0, 1]");
        if (cleaning.ShingleSize < 1 || cleaning.MinHashBands < 1 || cleaning.MinHashRows < 1 || cleaning.MinHashBands * cleaning.MinHashRows > 1024)
            throw s.Error("minhash_bands", "shingle_size, minhash_bands and minhash_rows must be at least 1, with bands × rows at most 1024");
        if (cleaning.Phrases.FirstOrDefault(string.IsNullOrWhiteSpace) is not null) throw s.Error("phrases", "phrases must not be empty");
        return cleaning;
    }
}
