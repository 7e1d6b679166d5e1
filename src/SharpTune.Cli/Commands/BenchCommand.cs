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
        var command = new Command("bench", "Measure training tokens/s, MFU (against this machine's measured matmul peak), peak memory and where a step's time goes.")
        {
            method, preset, set, seqLen, batch, steps, rank, checkpointing, device, dtype, json,
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
            };
            var outcome = TrainingBenchmark.Run(options, line => Console.Error.WriteLine(line));
            var split = outcome.Phases;
            Console.WriteLine($"tokens/s          {outcome.TokensPerSecond:F0}");
            Console.WriteLine($"MFU               {outcome.Mfu:P1} of the measured matmul peak ({outcome.MatmulPeakFlops / 1e9:F1} GFLOP/s, {type})");
            Console.WriteLine($"peak memory       {outcome.PeakMemoryBytes / (double)(1 << 20):F0} MiB ({(dev.type == DeviceType.CUDA ? "device, as the driver reports it" : "process resident set")})");
            Console.WriteLine($"time split        data {split.Data / split.Total:P1}, forward {split.Forward / split.Total:P1}, backward {split.Backward / split.Total:P1}, optimizer {split.Optimizer / split.Total:P1}");
            if (result.GetValue(json)) Console.WriteLine(outcome.ToJson().ToJsonString());
        }));
        return command;
    }
}
