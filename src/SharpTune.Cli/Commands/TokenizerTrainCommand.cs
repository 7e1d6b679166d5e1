using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SharpTune;
using SharpTune.Tokenization.Training;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune tokenizer train</c>: learns a byte-level BPE tokenizer from text files and writes tokenizer.json + tokenizer_config.json.</summary>
internal static class TokenizerTrainCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input")
        {
            Description = "training text: .txt files (the whole file is text) and .jsonl files (a \"text\" field per line)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var vocabSize = new Option<int>("--vocab-size")
        {
            Description = "vocabulary size to reach, counting the special tokens and the 256 byte tokens",
            Required = true,
        };
        var minFrequency = new Option<long>("--min-frequency")
        {
            Description = "merge only pairs seen at least this often",
            DefaultValueFactory = _ => 2,
        };
        var special = new Option<string[]>("--special-tokens")
        {
            Description = "special tokens, comma-separated or the option repeated; they get ids 0, 1, ... in this order",
            AllowMultipleArgumentsPerToken = false,
        };
        var bos = new Option<string?>("--bos") { Description = "the beginning-of-sequence token (added to the special tokens if missing)" };
        var eos = new Option<string?>("--eos") { Description = "the end-of-sequence token (added to the special tokens if missing)" };
        var pad = new Option<string?>("--pad") { Description = "the padding token (added to the special tokens if missing)" };
        var unk = new Option<string?>("--unk") { Description = "the unknown token (added to the special tokens if missing; byte-level BPE never needs it)" };
        var addBos = new Option<bool>("--add-bos")
        {
            Description = "put the bos token in front of every encoded text (--add-bos false only declares it)",
            DefaultValueFactory = _ => true,
        };
        var maxTokenLength = new Option<int?>("--max-token-length") { Description = "learn no token longer than this many bytes" };
        var modelMaxLength = new Option<long?>("--model-max-length") { Description = "model_max_length for tokenizer_config.json (default: no limit)" };
        var output = new Option<string>("--out") { Description = "folder to write tokenizer.json and tokenizer_config.json into", Required = true };
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON object" };

        var command = new Command("train", "Train a byte-level BPE tokenizer (Llama 3-style pre-tokenizer) and write tokenizer.json + tokenizer_config.json.")
        {
            input, vocabSize, minFrequency, special, bos, eos, pad, unk, addBos, maxTokenLength, modelMaxLength, output, json,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string? bosToken = result.GetValue(bos), eosToken = result.GetValue(eos), padToken = result.GetValue(pad), unkToken = result.GetValue(unk);
            var specials = SpecialTokens(result.GetValue(special) ?? [], [bosToken, eosToken, padToken, unkToken]);
            bool interactive = !result.GetValue(json) && !Console.IsErrorRedirected;
            var trainer = new BpeTrainer(new BpeTrainerOptions
            {
                VocabSize = result.GetValue(vocabSize),
                MinFrequency = result.GetValue(minFrequency),
                SpecialTokens = specials,
                MaxTokenLength = result.GetValue(maxTokenLength),
                Progress = interactive ? (done, wanted) => Console.Error.Write($"\rmerges {done}/{wanted}") : null,
            });
            var files = result.GetValue(input)!;
            var fileOptions = new BpeTokenizerFileOptions
            {
                BosToken = bosToken,
                EosToken = eosToken,
                PadToken = padToken,
                UnkToken = unkToken,
                AddBosToken = result.GetValue(addBos),
                ModelMaxLength = result.GetValue(modelMaxLength),
            };

            var clock = Stopwatch.StartNew();
            foreach (var file in files)
                foreach (var text in TrainingTextReader.ReadDocuments(file, specials))
                    trainer.AddText(text);
            if (trainer.PieceCount == 0)
                throw new SharpTuneException($"no training text in {string.Join(", ", files)} (empty, or only special tokens)");
            double countSeconds = clock.Elapsed.TotalSeconds;
            var model = trainer.Train();
            double seconds = clock.Elapsed.TotalSeconds;
            if (interactive) Console.Error.WriteLine();
            string folder = result.GetValue(output)!;
            BpeTokenizerFiles.Write(folder, model, fileOptions);
            Report(model, folder, countSeconds, seconds, result.GetValue(json));
        }));
        return command;
    }

    /// <summary>The special tokens in order: those listed (split at commas), then the role tokens not among them.</summary>
    private static List<string> SpecialTokens(string[] listed, string?[] roles)
    {
        var tokens = new List<string>();
        foreach (var item in listed)
            foreach (var token in item.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                tokens.Add(token);
        foreach (var role in roles)
            if (role is not null && !tokens.Contains(role)) tokens.Add(role);
        return tokens;
    }

    private static void Report(TrainedBpe model, string folder, double countSeconds, double seconds, bool json)
    {
        double megabytes = model.TrainingBytes / 1e6;
        double bytesPerToken = model.TrainingTokens == 0 ? 0 : model.TrainingBytes / (double)model.TrainingTokens;
        if (json)
        {
            Console.WriteLine(new JsonObject
            {
                ["vocab_size"] = model.Vocab.Count,
                ["requested_vocab_size"] = model.RequestedVocabSize,
                ["merges"] = model.Merges.Count,
                ["special_tokens"] = model.SpecialTokens.Count,
                ["training_bytes"] = model.TrainingBytes,
                ["training_words"] = model.TrainingWords,
                ["distinct_words"] = model.DistinctWords,
                ["training_tokens"] = model.TrainingTokens,
                ["bytes_per_token"] = Math.Round(bytesPerToken, 4),
                ["count_seconds"] = Math.Round(countSeconds, 3),
                ["seconds"] = Math.Round(seconds, 3),
                ["stop_reason"] = model.StopReason,
                ["out"] = Path.GetFullPath(folder),
            }.ToJsonString());
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        string reached = model.StopReason is null
            ? $"{model.Vocab.Count} tokens"
            : $"{model.Vocab.Count} tokens, fewer than the {model.RequestedVocabSize} asked for: {model.StopReason}";
        Console.WriteLine($"vocabulary   {reached}");
        Console.WriteLine($"             {model.SpecialTokens.Count} special, {BpeTrainer.ByteTokenCount} bytes, {model.Merges.Count} merges");
        Console.WriteLine(string.Create(inv,
            $"training     {megabytes:F2} MB, {model.TrainingWords:N0} words ({model.DistinctWords:N0} distinct) in {seconds:F2} s ({megabytes / Math.Max(seconds, 1e-9):F2} MB/s; reading {countSeconds:F2} s)"));
        Console.WriteLine(string.Create(inv, $"compression  {bytesPerToken:F2} bytes/token on the training text"));
        Console.WriteLine($"wrote        {Path.Combine(folder, BpeTokenizerFiles.TokenizerJsonFileName)}, {Path.Combine(folder, "tokenizer_config.json")}");
    }
}
