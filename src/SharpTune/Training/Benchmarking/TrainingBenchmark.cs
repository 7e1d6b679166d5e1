using System.Diagnostics;
using SharpTune.Adapters;
using SharpTune.Backend;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Benchmarking;

/// <summary>
/// Measures training speed and memory on random weights and random tokens: the device's matmul peak first, then
/// warm-up steps, then timed steps with each phase (batch to device, forward + loss, backward, optimizer) timed
/// between device synchronisations. A step is the trainer's step: causal-LM loss over every token, AdamW, gradient
/// clipping at 1.0; LoRA/QLoRA adapt every linear layer of the decoder; QLoRA
/// first quantizes them to NF4 with double quantization, computing in the weights' dtype.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>Runs the benchmark <paramref name="options"/> describe; <paramref name="log"/> hears what it is doing.</summary>
    public static TrainingBenchmarkResult Run(TrainingBenchmarkOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Method is not ("full" or "lora" or "qlora"))
            throw new SharpTuneException($"--method: expected full, lora or qlora, got '{options.Method}'");
        var device = options.Device;
        log?.Invoke($"measuring the {options.Dtype} matmul peak on {device}...");
        double peak = MatmulPeak.Measure(device, options.Dtype);
        log?.Invoke($"matmul peak: {peak / 1e9:F1} GFLOP/s");

        var config = ModelConfig.FromJson(options.ModelConfig, "bench model");
        using var model = new LlamaForCausalLM(config, device, options.Dtype);
        model.InitializeWeights(options.Seed);
        long adapterWeights = 0;
        if (options.Method == "qlora")
            ModelQuantizer.Quantize(model, new QuantizationConfig { Type = QuantType.Nf4, DoubleQuant = true, ComputeDtype = options.Dtype });
        if (options.Method != "full")
        {
            var lora = LoraModel.Inject(model, new LoraConfig { R = options.LoraRank, Alpha = 2 * options.LoraRank, TargetAllLinear = true }, options.Seed);
            adapterWeights = lora.Layers.Values.Sum(l => l.LoraA.numel() + l.LoraB.numel());
        }
        model.Model.GradientCheckpointing = options.GradientCheckpointing;
        var trainable = TrainableParameter.Of(model);
        var counts = TrainableParameterCount.Of(model);
        var optimizer = new AdamW(trainable, 0.0, 0.9, 0.999, 1e-8);
        var flops = ModelFlops.For(config, options.SequenceLength, options.Method == "full", adapterWeights);
        log?.Invoke($"{options.Method} on {config.ModelType} ({counts}), {options.Batch}×{options.SequenceLength} tokens per step, "
            + $"{flops.PerToken / 1e6:F1} MFLOP per token");

        var random = new Random((int)options.Seed);
        long[] shape = [options.Batch, options.SequenceLength];
        var ids = new long[options.Batch * options.SequenceLength];
        long labels = options.Batch * (options.SequenceLength - 1L);
        double data = 0, forward = 0, backward = 0, update = 0;
        long peakMemory = 0;
        model.train();
        for (int step = 0; step < options.WarmupSteps + options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < ids.Length; i++) ids[i] = random.NextInt64(config.VocabSize);
            var input = tensor(ids, shape).to(device);
            MatmulPeak.Synchronize(device);
            double t0 = clock.Elapsed.TotalSeconds;
            var loss = CausalLmLoss.Sum(model, model.HiddenStates(input), input).div(labels);
            MatmulPeak.Synchronize(device);
            double t1 = clock.Elapsed.TotalSeconds;
            peakMemory = Math.Max(peakMemory, DeviceMemory.UsedBytes(device) ?? 0);
            loss.backward();
            MatmulPeak.Synchronize(device);
            double t2 = clock.Elapsed.TotalSeconds;
            nn.utils.clip_grad_norm_(optimizer.Parameters.Select(p => p.Value), 1.0);
            optimizer.Step(1e-4);
            optimizer.ZeroGrad();
            MatmulPeak.Synchronize(device);
            double t3 = clock.Elapsed.TotalSeconds;
            peakMemory = Math.Max(peakMemory, DeviceMemory.UsedBytes(device) ?? 0);
            if (step < options.WarmupSteps) continue;
            data += t0;
            forward += t1 - t0;
            backward += t2 - t1;
            update += t3 - t2;
        }
        var phases = new BenchmarkPhases(data, forward, backward, update);
        double tokensPerSecond = (double)options.Steps * options.Batch * options.SequenceLength / phases.Total;
        double? dataTokensPerSecond = options.MeasureData
            ? DataPipelineBenchmark.TokensPerSecond(options.DataText, options.Tokenizer, (int)config.VocabSize, options.SequenceLength, log)
            : null;
        return new TrainingBenchmarkResult(options, counts.Total, counts.Trainable, flops, peak, tokensPerSecond, peakMemory, phases, dataTokensPerSecond);
    }
}
