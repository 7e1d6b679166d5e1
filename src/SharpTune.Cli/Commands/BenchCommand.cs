using System.CommandLine;
using SharpTune.Models;
using SharpTune.Training.Benchmarking;
using TorchSharp;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune bench</c>: training throughput, model FLOPs utilisation against the measured matmul peak, peak memory and the time split.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var method = new Option<string>("--method") { Description = "full, lora or qlora", DefaultValueFactory = _ => "lora" };
        var preset = new Option<string>("--preset")
        {
            Description = $"model shape, random weights: {string.Join(", ", ModelPresets.Names.Keys)}",
            DefaultValueFactory = _ => "small",
        };
        var set = new Option<string[]>("--set") { Description = "override a config.json key of the preset, e.g. --set num_hidden_layers=2" };
        var seqLen = new Option<int>("--seq-len") { Description = "tokens per row", DefaultValueFactory = _ => 512 };
        var batch = new Option<int>("--batch") { Description = "rows per step", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { Description = "timed steps (after 2 warm-up steps)", DefaultValueFactory = _ => 10 };
        var rank = new Option<int>("--lora-rank") { Description = "LoRA rank on every linear layer", DefaultValueFactory = _ => 16 };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "recompute activations in the backward pass" };
        var device = CommonOptions.Device();
        var dtype = CommonOptions.Dtype();
        var json = new Option<bool>("--json") { Description = "end with one JSON object of the results" };
        var dataText = new Option<string?>("--data-text") { Description = $"plain text (file, folder or glob) to measure the data pipeline on [default: {DataPipelineBenchmark.DefaultText}]" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer folder for the data pipeline [default: a BPE vocabulary of the model's size, learned from the text first]" };
        var noData = new Option<bool>("--no-data") { Description = "do not measure the data pipeline" };
        var command = new Command("bench", "Measure training tokens/s, MFU (against this machine's measured matmul peak), peak memory and where a step's time goes.")
        {
            method, preset, set, seqLen, batch, steps, rank, checkpointing, device, dtype, json, dataText, tokenizer, noData,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var config = ModelPresets.Config(result.GetValue(preset)!, null);
            ModelPresets.WithOverrides(config, (result.GetValue(set) ?? []).Select(CommonOptions.ParseSet), "--set");
            var (dev, type) = CommonOptions.Resolve(result.GetValue(device)!, result.GetValue(dtype)!);
            int Positive(Option<int> option) => result.GetValue(option) is var v && v >= 1 ? v : throw new SharpTuneException($"{option.Name}: must be at least 1, got {v}");
            var options = new TrainingBenchmarkOptions
            {
                ModelConfig = config,
                Method = result.GetValue(method)!,
                SequenceLength = Positive(seqLen),
                Batch = Positive(batch),
                Steps = Positive(steps),
                LoraRank = Positive(rank),
                GradientCheckpointing = result.GetValue(checkpointing),
                Device = dev,
                Dtype = type,
                MeasureData = !result.GetValue(noData),
                DataText = result.GetValue(dataText),
                Tokenizer = result.GetValue(tokenizer),
            };
            var outcome = TrainingBenchmark.Run(options, line => Console.Error.WriteLine(line));
            var split = outcome.Phases;
            Console.WriteLine($"tokens/s          {outcome.TokensPerSecond:F0}");
            Console.WriteLine($"MFU               {outcome.Mfu:P1} of the measured matmul peak ({outcome.MatmulPeakFlops / 1e9:F1} GFLOP/s, {type})");
            Console.WriteLine($"peak memory       {outcome.PeakMemoryBytes / (double)(1 << 20):F0} MiB ({(dev.type == DeviceType.CUDA ? "device, as the driver reports it" : "process resident set")})");
            Console.WriteLine($"time split        data {split.Data / split.Total:P1}, forward {split.Forward / split.Total:P1}, backward {split.Backward / split.Total:P1}, optimizer {split.Optimizer / split.Total:P1}");
            if (outcome.DataTokensPerSecond is { } data)
                Console.WriteLine($"data pipeline     {data:F0} tokens/s read, tokenized and packed: {outcome.DataToTrainingRatio:F0}× what training consumes");
            if (result.GetValue(json)) Console.WriteLine(outcome.ToJson().ToJsonString());
        }));
        command.Subcommands.Add(Numerics());
        return command;
    }

    /// <summary><c>sharptune bench numerics</c>: logits (and LoRA gradients) of fixed ids, for comparison with transformers + peft.</summary>
    private static Command Numerics()
    {
        var model = CommonOptions.Model();
        var adapter = new Option<string?>("--adapter") { Description = "a peft LoRA adapter folder: also write the loss gradients of its A and B matrices" };
        var ids = new Option<string>("--ids") { Description = "token ids, rows separated by ';', e.g. 1,5,9;2,6,10", Required = true };
        var output = new Option<string>("--out") { Description = "safetensors file to write", Required = true };
        var device = CommonOptions.Device();
        var command = new Command("numerics", "Write the fp32 logits of fixed token ids (and the LoRA gradients of their loss) for a numerics comparison with a Python peer.")
        {
            model, adapter, ids, output, device,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var rows = result.GetValue(ids)!.Split(';').Select(r => r.Split(',').Select(v => long.TryParse(v.Trim(), out long id) ? id
                : throw new SharpTuneException($"--ids: '{v}' is not a token id")).ToArray()).ToArray();
            if (rows.Select(r => r.Length).Distinct().Count() != 1 || rows[0].Length < 2)
                throw new SharpTuneException("--ids: every row needs the same number of ids, at least 2");
            var grid = new long[rows.Length, rows[0].Length];
            for (int r = 0; r < rows.Length; r++)
                for (int t = 0; t < rows[r].Length; t++) grid[r, t] = rows[r][t];
            var (dev, _) = CommonOptions.Resolve(result.GetValue(device)!, "float32");
            using var loaded = HfModelFolder.Load(result.GetValue(model)!, dev, TorchSharp.torch.ScalarType.Float32);
            var lora = result.GetValue(adapter) is { } folder ? SharpTune.Adapters.LoraModel.Load(loaded, folder, trainable: true) : null;
            NumericsDump.Write(loaded, lora, grid, result.GetValue(output)!);
            Console.WriteLine($"wrote {result.GetValue(output)}");
        }));
        return command;
    }
}
