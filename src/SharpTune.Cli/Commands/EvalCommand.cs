using SharpTune.Adapters;
using System.CommandLine;
using System.Text.Json.Nodes;
using SharpTune;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune eval</c>: loss, perplexity and exact-match accuracy of a model (optionally with a LoRA adapter) on a
/// dataset file, read and tokenized by the data pipeline as the trainer reads it (every row, no cleaning, no cache).
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "an HF model folder, or a peft adapter folder (its base_model_name_or_path is the base model)",
            Required = true,
        };
        var adapter = new Option<string?>("--adapter") { Description = "a peft LoRA adapter folder to apply (merged into the weights after loading)" };
        var dataset = new Option<string>("--dataset") { Description = "the data: a file (jsonl, json, csv, parquet, txt, html), a folder or a glob", Required = true };
        var type = new Option<string?>("--type") { Description = "the dataset type: alpaca, sharegpt, messages (or chat_template), completion or text (default: told from the first record)" };
        var chatTemplate = new Option<string>("--chat-template")
        {
            Description = "chat template for conversations: tokenizer_default (the model's own, else chatml) or a built-in name",
            DefaultValueFactory = _ => "tokenizer_default",
        };
        var sequenceLen = new Option<int?>("--sequence-len") { Description = "longest row in tokens; longer rows are dropped and counted (default: 2048 or the model's max_position_embeddings, whichever is smaller)" };
        var trainOnInputs = new Option<bool>("--train-on-inputs") { Description = "score every token, not only the answers (assistant turns, completions)" };
        var skipBad = new Option<bool>("--skip-bad-records") { Description = "skip malformed records (counted) instead of failing" };
        var batchSize = new Option<int>("--batch-size") { Description = "rows per forward pass", DefaultValueFactory = _ => 8 };
        var json = new Option<string?>("--json") { Description = "also write the results to this JSON file" };
        var device = CommonOptions.Device();
        var dtype = CommonOptions.Dtype();

        var command = new Command("eval", "Score a model on a dataset: loss and perplexity per answer token, and how many answers greedy decoding reproduces exactly.")
        {
            model, adapter, dataset, type, chatTemplate, sequenceLen, trainOnInputs, skipBad, batchSize, json, device, dtype,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var location = Locate(result.GetValue(model)!, result.GetValue(adapter));
            string baseFolder = location.ModelFolder;
            string? adapterFolder = location.AdapterFolder;
            var modelConfig = HfModelFolder.LoadConfig(baseFolder);
            int length = result.GetValue(sequenceLen) ?? (int)Math.Min(2048, modelConfig.MaxPositionEmbeddings);
            if (length is < 2 or > 1 << 24) throw new SharpTuneException($"--sequence-len: must be between 2 and {1 << 24}, got {length}");
            int batch = result.GetValue(batchSize);
            if (batch < 1) throw new SharpTuneException($"--batch-size: must be at least 1, got {batch}");
            string dataPath = result.GetValue(dataset)!;

            var settings = new DataConfig
            {
                ConfigFile = "eval",
                Datasets = [Spec(dataPath, result.GetValue(type))],
                SequenceLen = length,
                TrainOnInputs = result.GetValue(trainOnInputs),
                ChatTemplate = result.GetValue(chatTemplate)!,
                SkipBadRecords = result.GetValue(skipBad),
                BaseModel = baseFolder,
                // Trainers save the tokenizer (and the chat template it was trained with) beside the adapter.
                Tokenizer = location.TokenizerFolder,
            };
            var data = new DataPipeline(settings, TrainingData.LoadTokenizer(settings), Console.Error.WriteLine).Prepare(useCache: false);
            var report = data.Report;
            long dropped = report.Dropped.Values.Sum();
            if (data.Train.Count == 0)
                throw new SharpTuneException($"{dataPath}: no row can be scored ({report.Datasets[0].Read} read{DropSummary(report)}; --sequence-len {length})");
            long largest = data.Train.Max(r => r.InputIds.Max());
            if (largest >= modelConfig.VocabSize)
                throw new SharpTuneException($"{dataPath}: the tokenizer produced token id {largest}, outside the model's vocabulary of {modelConfig.VocabSize}");

            var (dev, dt) = CommonOptions.Resolve(result.GetValue(device)!, result.GetValue(dtype)!);
            using var lm = location.Load(dev, dt);
            var scores = CausalLmEvaluator.Evaluate(lm, data.Train, data.Collator, batch, dev);

            Console.WriteLine($"model            {baseFolder}{(adapterFolder is null ? "" : $" + adapter {adapterFolder}")}");
            Console.WriteLine($"dataset          {dataPath} [{report.Datasets[0].Type}], chat template {report.ChatTemplate}, sequence_len {length}");
            Console.WriteLine($"rows scored      {scores.Samples:N0}");
            Console.WriteLine($"rows dropped     {dropped:N0}{(dropped == 0 ? "" : $" ({string.Join(", ", report.Dropped.Select(p => $"{p.Key} {p.Value:N0}"))})")}");
            Console.WriteLine($"labels scored    {scores.Labels:N0}");
            Console.WriteLine($"loss             {scores.Loss:F4}");
            Console.WriteLine($"perplexity       {scores.Perplexity:F4}");
            Console.WriteLine($"exact match      {scores.ExactMatches:N0}/{scores.Samples:N0} ({scores.ExactMatch:P1})");
            foreach (var problem in report.DroppedRecords.Take(5)) Console.Error.WriteLine($"dropped: {problem.Position}: {problem.Rule}: {problem.Detail}");
            foreach (var problem in report.BadRecords.Take(5)) Console.Error.WriteLine($"bad: {problem.Position}{(problem.Field is null ? "" : $" field '{problem.Field}'")}: {problem.Detail}");

            if (result.GetValue(json) is { } jsonPath)
                AtomicFile.WriteJson(jsonPath, new JsonObject
                {
                    ["loss"] = scores.Loss,
                    ["perplexity"] = scores.Perplexity,
                    ["exact_match"] = scores.ExactMatch,
                    ["samples"] = scores.Samples,
                    ["exact_matches"] = scores.ExactMatches,
                    ["labels"] = scores.Labels,
                    ["rows_dropped"] = dropped,
                    ["dropped"] = new JsonObject(report.Dropped.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                    ["dataset"] = dataPath,
                    ["type"] = report.Datasets[0].Type,
                    ["chat_template"] = report.ChatTemplate,
                    ["sequence_len"] = length,
                });
        }));
        return command;
    }

    /// <summary>The model, adapter and tokenizer folders (<paramref name="model"/> may itself be an adapter folder), each option's folder checked first.</summary>
    private static ModelLocation Locate(string model, string? adapter)
    {
        if (!Directory.Exists(model)) throw new SharpTuneException($"--model: folder not found: {model}");
        if (adapter is not null && !Directory.Exists(adapter)) throw new SharpTuneException($"--adapter: folder not found: {adapter}");
        return ModelLocation.Resolve(model, adapter);
    }

    /// <summary>The dataset entry for <paramref name="path"/>: its type by name, or told from its first record.</summary>
    private static DatasetSpec Spec(string path, string? typeName)
    {
        DatasetFormat format;
        if (typeName is not null)
            format = DatasetTypes.Parse(typeName) ?? throw new SharpTuneException($"--type: unknown dataset type '{typeName}' (known: {DatasetTypes.Names})");
        else
            format = DatasetTypes.Detect(path, "--dataset")
                ?? throw new SharpTuneException($"--dataset: cannot tell the type of {path} from its first record; give --type ({DatasetTypes.Names})");
        if (format == DatasetFormat.Preference)
            throw new SharpTuneException($"--type: {path} holds preference pairs, which eval does not score; it scores alpaca, sharegpt, messages, completion and text data");
        if (RecordSources.KindOf(path) == SourceKind.Sqlite)
            throw new SharpTuneException($"--dataset: {path} is a SQLite database, which needs a query; read it through a run config (sharptune data clean) first");
        return new DatasetSpec { Path = Path.GetFullPath(path), Format = format, Name = path, ConfigPosition = "--dataset" };
    }

    private static string DropSummary(DataReport report) =>
        string.Concat(report.Dropped.Select(p => $", {p.Key} {p.Value:N0}"));
}
