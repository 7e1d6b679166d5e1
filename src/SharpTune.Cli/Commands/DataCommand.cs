using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SharpTune;
using SharpTune.Config;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Tokenization;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune data inspect|clean CONFIG</c>: what the data pipeline makes of a config's datasets.</summary>
internal static class DataCommand
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create() => new("data", "Inspect or clean the datasets of a run config.")
    {
        Inspect(),
        Clean(),
    };

    private static Command Inspect()
    {
        var config = new Argument<string>("config") { Description = "a YAML run config with datasets (e.g. examples/sft.yaml)" };
        var sample = new Option<int>("--sample") { Description = "which training sample to show (0 = the first)", DefaultValueFactory = _ => 0 };
        var noCache = new Option<bool>("--no-cache") { Description = "neither read nor write the prepared-dataset cache" };
        var color = new Option<string>("--color") { Description = "mark trained text in colour: auto (when a terminal), always, never", DefaultValueFactory = _ => "auto" };
        var command = new Command("inspect", "Prepare the datasets and show counts per dataset and rule, a token-length histogram and one sample with its trained text marked.")
        {
            config, sample, noCache, color,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var settings = Load(result.GetValue(config)!);
            var context = TrainingData.LoadTokenizer(settings);
            var dataset = new DataPipeline(settings, context, Console.Error.WriteLine).Prepare(!result.GetValue(noCache));
            bool useColor = result.GetValue(color) switch
            {
                "always" => true,
                "never" => false,
                "auto" => !Console.IsOutputRedirected,
                var other => throw new SharpTuneException($"--color: expected auto, always or never, got '{other}'"),
            };
            PrintCounts(dataset.Report);
            PrintSizes(dataset);
            PrintHistogram(dataset.SampleLengths().ToList(), settings.SequenceLen);
            PrintSample(dataset, context.Tokenizer, result.GetValue(sample), useColor);
        }));
        return command;
    }

    private static Command Clean()
    {
        var config = new Argument<string>("config") { Description = "a YAML run config with datasets and a cleaning block" };
        var output = new Option<string>("--out") { Description = "the JSONL file to write (the report goes beside it as FILE.report.json)", Required = true };
        var command = new Command("clean", "Read, normalize and clean the datasets; write the kept records as JSONL and a report of every drop.")
        {
            config, output,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var settings = Load(result.GetValue(config)!);
            bool needsTokens = settings.Cleaning.MinTokens is not null || settings.Cleaning.MaxTokens is not null;
            var context = needsTokens ? TrainingData.LoadTokenizer(settings) : null;
            var (records, report) = new DataPipeline(settings, context, Console.Error.WriteLine).Clean();

            string path = result.GetValue(output)!;
            AtomicFile.Write(path, stream =>
            {
                using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
                foreach (var record in records) writer.Write(record.ToJson().ToJsonString(Compact) + "\n");
            });
            string reportPath = ReportPath(path);
            AtomicFile.WriteJson(reportPath, report.ToJson());

            PrintCounts(report);
            Console.WriteLine($"wrote {records.Count:N0} records to {path}");
            Console.WriteLine($"report: {reportPath}");
        }));
        return command;
    }

    /// <summary>The data settings of a run config; keys the data pipeline does not read (the trainer's, or typos) are listed on stderr.</summary>
    private static DataConfig Load(string path)
    {
        var yaml = YamlConfigFile.Load(path);
        var settings = DataConfig.Read(yaml);
        var others = yaml.Root.Keys.Where(k => !DataConfig.Keys.Contains(k)).ToList();
        if (others.Count > 0) Console.Error.WriteLine($"note: keys the data pipeline does not read (the trainer's, or typos): {string.Join(", ", others)}");
        return settings;
    }

    private static string ReportPath(string output)
    {
        string stem = output.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? output[..^".jsonl".Length] : output;
        return stem + ".report.json";
    }

    private static void PrintCounts(DataReport report)
    {
        Console.WriteLine("datasets");
        foreach (var d in report.Datasets)
        {
            long dropped = d.Dropped.Values.Sum();
            string rules = dropped == 0 ? "" : $" ({string.Join(", ", d.Dropped.Select(p => $"{p.Key} {p.Value:N0}"))})";
            Console.WriteLine($"  {d.Name} [{d.Type}]: read {d.Read:N0}, bad {d.Bad:N0}, dropped {dropped:N0}{rules}, kept {d.Kept:N0} -> {d.Samples:N0} samples");
        }
        var totals = report.Dropped;
        Console.WriteLine("dropped by rule");
        if (totals.Count == 0) Console.WriteLine("  (none)");
        foreach (var (rule, n) in totals) Console.WriteLine($"  {rule,-22} {n,8:N0}");
        foreach (var bad in report.BadRecords.Take(5))
            Console.WriteLine($"  bad: {bad.Position}{(bad.Field is null ? "" : $" field '{bad.Field}'")}: {bad.Detail}");
    }

    private static void PrintSizes(PreparedDataset dataset)
    {
        var r = dataset.Report;
        string unit = dataset.Packed ? "packed rows" : "samples";
        Console.WriteLine($"chat template   {r.ChatTemplate}");
        if (r.TrainSamples + r.ValidationSamples > 0)
            Console.WriteLine($"{unit,-15} train {r.TrainSamples:N0}, validation {r.ValidationSamples:N0}" +
                              (dataset.Packed ? $" (packing efficiency {r.PackingEfficiency:P1})" : ""));
        if (r.TrainPairs + r.ValidationPairs > 0)
            Console.WriteLine($"pairs           train {r.TrainPairs:N0}, validation {r.ValidationPairs:N0}");
        double share = r.Tokens == 0 ? 0 : (double)r.TrainedTokens / r.Tokens;
        Console.WriteLine($"tokens          {r.Tokens:N0} ({r.TrainedTokens:N0} trained, {share:P1})");
        Console.WriteLine($"length changes  truncated {r.Truncated:N0}, extra pieces from splitting long texts {r.SplitPieces:N0}, masking fallbacks {r.MaskingFallbacks:N0}");
        Console.WriteLine($"cache           {r.Cache}{(dataset.CacheFile is null ? "" : $" ({dataset.CacheFile})")}");
    }

    /// <summary>Sample lengths in at most ten equal buckets from the shortest to the longest, drawn as bars of '#'.</summary>
    private static void PrintHistogram(List<int> lengths, int sequenceLen)
    {
        Console.WriteLine();
        if (lengths.Count == 0)
        {
            Console.WriteLine("no samples: every record was dropped (see the counts above)");
            return;
        }
        int min = lengths.Min(), max = lengths.Max();
        int width = Math.Max(1, (int)Math.Ceiling((max - min + 1) / 10.0));
        var counts = new int[(max - min) / width + 1];
        foreach (int length in lengths) counts[(length - min) / width]++;
        int top = counts.Max();
        Console.WriteLine($"token lengths of {lengths.Count:N0} samples (min {min}, median {Median(lengths)}, max {max}; sequence_len {sequenceLen})");
        for (int b = 0; b < counts.Length; b++)
        {
            int bar = counts[b] == 0 ? 0 : Math.Max(1, (int)Math.Round(40.0 * counts[b] / top));
            string range = $"{min + b * width}-{min + (b + 1) * width - 1}";
            Console.WriteLine($"  {range,13} | {new string('#', bar),-40} {counts[b]:N0}");
        }
    }

    private static int Median(List<int> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>One sample decoded run by run, trained runs marked: green on a terminal, else between [[ and ]].</summary>
    private static void PrintSample(PreparedDataset dataset, ITokenizer tokenizer, int index, bool color)
    {
        TokenizedSample? sample = null;
        string what = "";
        if (dataset.Train.Count > 0)
        {
            var row = dataset.Train[Math.Clamp(index, 0, dataset.Train.Count - 1)];
            int first = row.SampleLengths().First();
            sample = first == row.Length ? row : new TokenizedSample(row.InputIds[..first], row.Labels[..first]);
            what = dataset.Packed ? "the first sample of a packed row" : "a training sample";
        }
        else if (dataset.TrainPairs.Count > 0)
        {
            sample = dataset.TrainPairs[Math.Clamp(index, 0, dataset.TrainPairs.Count - 1)].Chosen;
            what = "the chosen side of a preference pair";
        }
        if (sample is null) return;
        Console.WriteLine();
        Console.WriteLine($"{what}, {sample.Length} tokens ({sample.TrainedCount} trained; trained text {(color ? "in green" : "between [[ and ]]")}):");
        var text = new StringBuilder();
        int start = 0;
        for (int i = 1; i <= sample.Length; i++)
        {
            bool trained = sample.Labels[start] != TokenizedSample.IgnoreLabel;
            if (i < sample.Length && (sample.Labels[i] != TokenizedSample.IgnoreLabel) == trained) continue;
            string piece = tokenizer.Decode(sample.InputIds[start..i].Select(id => (long)id), skipSpecialTokens: false);
            text.Append(!trained ? piece : color ? $"\u001b[32m{piece}\u001b[0m" : $"[[{piece}]]");
            start = i;
        }
        Console.WriteLine(text.ToString());
    }
}
