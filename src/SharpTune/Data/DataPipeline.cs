using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SharpTune.Data.Generated;

namespace SharpTune.Data;

/// <summary>
/// The dataset pipeline, top to bottom: read every dataset (<see cref="RecordSources"/>), normalize each record by
/// its format, clean (phrases, character lengths, duplicates), tokenize with the chat template and mask everything
/// but the trained spans, apply token-length rules, shuffle by <c>seed</c>, hold out <c>val_set_size</c>, pack when
/// <c>sample_packing</c>, and cache the result under <c>dataset_prepared_path</c>, keyed by a hash of the data files'
/// contents, the tokenizer's files, the chat template and every setting that changes the output.
/// </summary>
/// <param name="config">The data settings.</param>
/// <param name="context">Tokenizer and chat template; needed by <see cref="Prepare"/>, and by <see cref="Clean"/> only for token-length rules.</param>
/// <param name="log">Progress lines, or null.</param>
public sealed class DataPipeline(DataConfig config, TokenizerContext? context, Action<string>? log = null)
{
    /// <summary>Bumped whenever the cache layout or the meaning of a setting changes, so old caches are not reused.</summary>
    private const int PipelineVersion = 1;

    /// <summary>Prepares the tokenized dataset, from the cache when a valid one exists for the same inputs.</summary>
    /// <param name="useCache">Whether to read and write the cache (there is none when <see cref="DataConfig.PreparedPath"/> is null).</param>
    /// <exception cref="SharpTuneException">A file or record is bad (and <c>skip_bad_records</c> is off), or a setting cannot be met.</exception>
    public PreparedDataset Prepare(bool useCache = true)
    {
        var tokens = context ?? throw new SharpTuneException("the data pipeline needs a tokenizer: set base_model or tokenizer");
        string? cacheFile = null, cacheNote = "miss";
        if (useCache && config.PreparedPath is not null)
        {
            cacheFile = PreparedDatasetCache.FileFor(config.PreparedPath, CacheKey());
            if (PreparedDatasetCache.TryLoad(cacheFile, out string? problem) is { } cached)
            {
                cached.Report.Cache = "hit";
                log?.Invoke($"data: loaded the prepared dataset from {cacheFile}");
                return cached;
            }
            if (problem is not null)
            {
                cacheNote = $"rebuilt ({problem})";
                log?.Invoke($"data: the cache file {cacheFile} is unreadable ({problem}); rebuilding it");
            }
        }
        else cacheNote = "off";

        var report = NewReport();
        report.ChatTemplate = tokens.Template.Name;
        var sink = new BadRecordSink(report, config.SkipBadRecords);
        var records = ReadAndClean(report, sink);

        var tokenizer = new SampleTokenizer(config, tokens, report);
        var samples = new List<TokenizedSample>();
        var pairs = new List<TokenizedPair>();
        foreach (var record in records)
        {
            try
            {
                tokenizer.Add(record, samples, pairs);
            }
            catch (RecordFormatException e)
            {
                report.Datasets[record.Dataset].Read--;
                sink.Reject(record.Dataset, record.Origin, e.Field, e.Message);
            }
        }

        Shuffle(samples, config.Seed);
        Shuffle(pairs, config.Seed + 1);
        var (trainSamples, valSamples) = Split(samples, "samples");
        var (trainPairs, valPairs) = Split(pairs, "preference pairs");
        double efficiency = 1;
        if (config.SamplePacking)
        {
            trainSamples = SequencePacker.Pack(trainSamples, config.SequenceLen);
            valSamples = SequencePacker.Pack(valSamples, config.SequenceLen);
            Shuffle(trainSamples, config.Seed + 2);
            long rows = trainSamples.Count + valSamples.Count;
            if (rows > 0) efficiency = samples.Sum(s => (double)s.Length) / (rows * (double)config.SequenceLen);
        }

        report.TrainSamples = trainSamples.Count;
        report.ValidationSamples = valSamples.Count;
        report.TrainPairs = trainPairs.Count;
        report.ValidationPairs = valPairs.Count;
        var all = samples.Concat(pairs.SelectMany(p => new[] { p.Chosen, p.Rejected })).ToList();
        report.Tokens = all.Sum(s => (long)s.Length);
        report.TrainedTokens = all.Sum(s => (long)s.TrainedCount);
        report.PackingEfficiency = efficiency;
        report.Cache = cacheNote;

        var dataset = new PreparedDataset
        {
            Train = trainSamples,
            Validation = valSamples,
            TrainPairs = trainPairs,
            ValidationPairs = valPairs,
            SequenceLen = config.SequenceLen,
            Packed = config.SamplePacking,
            PadId = tokens.Tokenizer.PadId ?? tokens.Tokenizer.EosId ?? 0,
            Report = report,
            CacheFile = cacheFile,
        };
        if (cacheFile is not null)
        {
            PreparedDatasetCache.Save(cacheFile, dataset);
            log?.Invoke($"data: saved the prepared dataset to {cacheFile}");
        }
        return dataset;
    }

    /// <summary>
    /// Reads, normalizes and cleans the records without tokenizing them (what <c>sharptune data clean</c> writes).
    /// Token-length rules (<c>min_tokens</c>, <c>max_tokens</c>) apply too when set; they need the tokenizer.
    /// </summary>
    public (IReadOnlyList<DataRecord> Records, DataReport Report) Clean()
    {
        var report = NewReport();
        var sink = new BadRecordSink(report, config.SkipBadRecords);
        var records = ReadAndClean(report, sink);
        if (config.Cleaning.MinTokens is not null || config.Cleaning.MaxTokens is not null)
        {
            var tokens = context ?? throw new SharpTuneException($"{config.ConfigFile}: cleaning.min_tokens and max_tokens need a tokenizer: set base_model or tokenizer");
            report.ChatTemplate = tokens.Template.Name;
            var counter = new SampleTokenizer(config, tokens, report);
            var kept = new List<DataRecord>();
            foreach (var record in records)
            {
                int count;
                try
                {
                    count = counter.CountTokens(record);
                }
                catch (RecordFormatException e)
                {
                    report.Datasets[record.Dataset].Read--;
                    sink.Reject(record.Dataset, record.Origin, e.Field, e.Message);
                    continue;
                }
                if (counter.LengthRuleDrop(record, count) is { } drop) report.AddDropped(record.Dataset, record.Origin, drop.Rule, drop.Detail);
                else kept.Add(record);
            }
            records = kept;
        }
        foreach (var record in records)
        {
            report.Datasets[record.Dataset].Kept++;
            report.Datasets[record.Dataset].Samples++;
        }
        return (records, report);
    }

    /// <summary>The cache key: a hash of the data files' contents, the tokenizer and template fingerprints, and the settings.</summary>
    public string CacheKey()
    {
        var datasets = new JsonArray();
        foreach (var spec in config.Datasets)
        {
            var files = new JsonArray();
            foreach (var file in RecordSources.Files(spec))
                files.Add(new JsonObject { ["name"] = Path.GetFileName(file), ["sha256"] = FileHash(file) });
            datasets.Add(new JsonObject
            {
                ["name"] = spec.Name,
                ["format"] = spec.Format.ToString(),
                ["source"] = spec.Source?.ToString(),
                ["field"] = spec.Field,
                ["field_messages"] = spec.FieldMessages,
                ["message_field_role"] = spec.MessageFieldRole,
                ["message_field_content"] = spec.MessageFieldContent,
                ["roles"] = new JsonObject(spec.Roles.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray(p.Value.Select(v => (JsonNode)v).ToArray())))),
                ["columns"] = new JsonObject(spec.Columns.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["query"] = spec.Query,
                ["files"] = files,
                ["generate"] = spec.Generate is { } g ? $"{g.Task}/{g.Rows}/{g.Seed}/v{GeneratedDataset.Version}" : null,
            });
        }
        var c = config.Cleaning;
        var key = new JsonObject
        {
            ["version"] = PipelineVersion,
            ["datasets"] = datasets,
            ["sequence_len"] = config.SequenceLen,
            ["sample_packing"] = config.SamplePacking,
            ["val_set_size"] = config.ValSetSize,
            ["seed"] = config.Seed,
            ["train_on_inputs"] = config.TrainOnInputs,
            ["excess_length_strategy"] = config.ExcessLength.ToString(),
            ["skip_bad_records"] = config.SkipBadRecords,
            ["cleaning"] = new JsonObject
            {
                ["phrases"] = new JsonArray(c.EffectivePhrases.Select(p => (JsonNode)p).ToArray()),
                ["dedupe"] = c.Dedupe.ToString(),
                ["near_dup_threshold"] = c.NearDupThreshold,
                ["shingle_size"] = c.ShingleSize,
                ["minhash_bands"] = c.MinHashBands,
                ["minhash_rows"] = c.MinHashRows,
                ["min_chars"] = c.MinChars,
                ["max_chars"] = c.MaxChars,
                ["min_tokens"] = c.MinTokens,
                ["max_tokens"] = c.MaxTokens,
            },
            ["tokenizer"] = context?.Fingerprint,
            ["chat_template"] = context?.Template.Fingerprint,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonString())))[..32];
    }

    private DataReport NewReport() =>
        new(config.Datasets.Select(d => new DatasetCounts { Name = d.Name, Type = TypeName(d.Format) }));

    private static string TypeName(DatasetFormat format) => format switch
    {
        DatasetFormat.ShareGpt => "sharegpt",
        DatasetFormat.Messages => "messages",
        _ => format.ToString().ToLowerInvariant(),
    };

    private List<DataRecord> ReadAndClean(DataReport report, BadRecordSink sink)
    {
        var records = new List<DataRecord>();
        for (int i = 0; i < config.Datasets.Count; i++)
        {
            var spec = config.Datasets[i];
            var formats = new RecordFormats(spec, i);
            long before = records.Count;
            foreach (var source in RecordSources.Read(spec, i, sink))
            {
                try
                {
                    records.Add(formats.Parse(source));
                    report.Datasets[i].Read++;
                }
                catch (RecordFormatException e)
                {
                    sink.Reject(i, source.Origin, e.Field, e.Message);
                }
            }
            log?.Invoke($"data: {spec.Name}: {records.Count - before} records read, {report.Datasets[i].Bad} bad");
        }
        return new RecordCleaner(config.Cleaning, config.Seed, report).Clean(records);
    }

    private (List<T> Train, List<T> Validation) Split<T>(List<T> items, string what)
    {
        if (items.Count == 0 || config.ValSetSize == 0) return (items, []);
        int count = config.ValSetSize < 1 ? (int)Math.Ceiling(config.ValSetSize * items.Count) : (int)config.ValSetSize;
        if (count >= items.Count)
            throw new SharpTuneException($"{config.ConfigFile}: val_set_size {config.ValSetSize} would hold out {count} of the {items.Count} {what}, leaving none to train on");
        return (items[count..], items[..count]);
    }

    /// <summary>Fisher–Yates with .NET's seeded <see cref="Random"/>, whose sequence for a given seed is fixed across runs and versions.</summary>
    private static void Shuffle<T>(List<T> items, long seed)
    {
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static string FileHash(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (IOException e)
        {
            throw new SharpTuneException($"{file}: cannot read: {e.Message}");
        }
    }
}
