using System.Text.Json.Nodes;

namespace SharpTune.Training.Benchmarking;

/// <summary>What one benchmark run measured.</summary>
/// <param name="Options">What was trained.</param>
/// <param name="Parameters">All parameters of the model (adapter included; quantized weights counted as the weights they stand for).</param>
/// <param name="TrainableParameters">Parameters that train.</param>
/// <param name="Flops">The model FLOPs per token, as MFU counts them.</param>
/// <param name="MatmulPeakFlops">The measured matmul peak of the device, FLOP/s.</param>
/// <param name="TokensPerSecond">Trained tokens per second over the timed steps.</param>
/// <param name="PeakMemoryBytes">Peak memory: the process's resident set on CPU, the device's used memory on CUDA.</param>
/// <param name="Phases">Where the time went.</param>
/// <param name="DataTokensPerSecond">Tokens per second the data pipeline reads, tokenizes and packs; null when not measured.</param>
public sealed record TrainingBenchmarkResult(TrainingBenchmarkOptions Options, long Parameters, long TrainableParameters, ModelFlops Flops,
    double MatmulPeakFlops, double TokensPerSecond, long PeakMemoryBytes, BenchmarkPhases Phases, double? DataTokensPerSecond = null)
{
    /// <summary>Model FLOPs utilisation: achieved model FLOP/s over the measured matmul peak.</summary>
    public double Mfu => Flops.PerToken * TokensPerSecond / MatmulPeakFlops;

    /// <summary>The result as one JSON object (the last line of <c>sharptune bench --json</c>).</summary>
    /// <summary>How many times faster the data pipeline produces tokens than training consumes them; null when it was not measured.</summary>
    public double? DataToTrainingRatio => DataTokensPerSecond / TokensPerSecond;

    /// <summary>The results as one JSON object (what <c>--json</c> prints).</summary>
    public JsonObject ToJson() => new()
    {
        ["method"] = Options.Method,
        ["device"] = Options.Device.ToString(),
        ["dtype"] = Options.Dtype.ToString(),
        ["sequence_length"] = Options.SequenceLength,
        ["batch"] = Options.Batch,
        ["steps"] = Options.Steps,
        ["gradient_checkpointing"] = Options.GradientCheckpointing,
        ["lora_rank"] = Options.Method == "full" ? null : Options.LoraRank,
        ["parameters"] = Parameters,
        ["trainable_parameters"] = TrainableParameters,
        ["flops_per_token"] = Flops.PerToken,
        ["tokens_per_second"] = Math.Round(TokensPerSecond, 1),
        ["mfu"] = Math.Round(Mfu, 4),
        ["matmul_peak_flops"] = Math.Round(MatmulPeakFlops),
        ["peak_memory_bytes"] = PeakMemoryBytes,
        ["time_split"] = Phases.Shares(),
        ["data_tokens_per_second"] = DataTokensPerSecond is { } d ? Math.Round(d) : null,
        ["data_to_training_ratio"] = DataToTrainingRatio is { } r ? Math.Round(r, 1) : null,
        ["model_config"] = Options.ModelConfig.DeepClone(),
    };
}
