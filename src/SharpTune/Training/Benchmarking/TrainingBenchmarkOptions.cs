using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace SharpTune.Training.Benchmarking;

/// <summary>What <see cref="TrainingBenchmark"/> trains: a model shape, a method, a batch, on a device.</summary>
public sealed record TrainingBenchmarkOptions
{
    /// <summary>The model's config.json (a preset's, with any overrides); the weights are random.</summary>
    public required JsonObject ModelConfig { get; init; }

    /// <summary>full, lora or qlora.</summary>
    public string Method { get; init; } = "lora";

    /// <summary>Tokens per row.</summary>
    public int SequenceLength { get; init; } = 512;

    /// <summary>Rows per step.</summary>
    public int Batch { get; init; } = 4;

    /// <summary>Timed steps.</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Untimed steps first (allocator and kernel warm-up).</summary>
    public int WarmupSteps { get; init; } = 2;

    /// <summary>LoRA's rank on every linear layer (alpha = 2·r).</summary>
    public int LoraRank { get; init; } = 16;

    /// <summary>Recompute each decoder layer's activations in the backward pass instead of keeping them.</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Where to train.</summary>
    public required Device Device { get; init; }

    /// <summary>The dtype of the weights (trained LoRA matrices and optimizer state stay float32).</summary>
    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    /// <summary>Seed of the weights and the random token batches.</summary>
    public long Seed { get; init; }

    /// <summary>Whether to measure the data pipeline too (<see cref="DataPipelineBenchmark"/>).</summary>
    public bool MeasureData { get; init; } = true;

    /// <summary>The plain text the data pipeline is measured on (a file, folder or glob); null: <see cref="DataPipelineBenchmark.DefaultText"/>.</summary>
    public string? DataText { get; init; }

    /// <summary>A tokenizer folder for the data pipeline; null: learn a BPE vocabulary of the model's size first.</summary>
    public string? Tokenizer { get; init; }
}
