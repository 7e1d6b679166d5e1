using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// The peak memory a training config will need, predicted without training (<c>sharptune plan</c>): the model is
/// built on libtorch's <c>meta</c> device (shapes, no storage) from the config's base model, the config's adapter is
/// applied to it as training would (so LoRA targets, modules_to_save and freeze tuning resolve exactly), and each
/// row is counted from the resulting tensors: weights (quantized linear weights at 4 or 8 bits), quantization
/// constants, adapters, gradients (trainable tensors only), optimizer state (by optimizer; paged state is host memory)
/// and activations (<see cref="ActivationMemory"/>), with and without gradient checkpointing.
/// </summary>
public sealed class MemoryPlan
{
    private MemoryPlan(ModelConfig model, DeviceType device, ScalarType weightDtype, ScalarType computeDtype, long tokens,
        IReadOnlyList<MemoryPlanRow> rows, MemoryPlanRow otherActivations)
    {
        (Model, Device, WeightDtype, ComputeDtype, Tokens, Rows, OtherActivations) = (model, device, weightDtype, computeDtype, tokens, rows, otherActivations);
    }

    /// <summary>The model's shape.</summary>
    public ModelConfig Model { get; }
    /// <summary>The device the prediction is for.</summary>
    public DeviceType Device { get; }
    /// <summary>The dtype of the unquantized weights.</summary>
    public ScalarType WeightDtype { get; }
    /// <summary>The dtype activations are computed in.</summary>
    public ScalarType ComputeDtype { get; }
    /// <summary>Tokens per micro-batch (micro_batch_size × sequence_len).</summary>
    public long Tokens { get; }
    /// <summary>The rows that add up to the peak, in order.</summary>
    public IReadOnlyList<MemoryPlanRow> Rows { get; }
    /// <summary>The activations under the other gradient_checkpointing setting (not in the totals), for comparison.</summary>
    public MemoryPlanRow OtherActivations { get; }
    /// <summary>The predicted peak on the device.</summary>
    public long DeviceTotal => Rows.Sum(r => r.DeviceBytes);
    /// <summary>The predicted host memory for state kept off the device.</summary>
    public long HostTotal => Rows.Sum(r => r.HostBytes);

    /// <summary>The row named <paramref name="name"/>.</summary>
    public MemoryPlanRow Row(string name) => Rows.First(r => r.Name == name);

    /// <summary>Predicts the memory of training <paramref name="config"/> on <paramref name="device"/> (by default the config's own device, as resolved here).</summary>
    /// <exception cref="SharpTuneException">The base model's shape cannot be read, or the adapter settings do not fit it.</exception>
    public static MemoryPlan For(TrainConfig config, DeviceType? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var target = device ?? Backend.ComputeDevice.Resolve(config.Device).type;
        var shape = ModelShape(config);
        var weightDtype = Training.WeightDtype.For(config, target);
        var quantization = config.Adapter.Quantization;
        var computeDtype = quantization?.Is4Bit == true ? quantization.ComputeDtype : weightDtype;

        using var scope = NewDisposeScope();
        using var model = new LlamaForCausalLM(shape, new Device(DeviceType.META), weightDtype);
        var lora = config.Adapter.Apply(model, config.BaseModel, config.Seed) as LoraModel; // a prompt method's parameters count as weights

        long weights = 0, weightCount = 0, quantized = 0, quantizedCount = 0, constants = 0, adapter = 0, adapterCount = 0, gradients = 0, state = 0, trainable = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            long n = p.numel(), bytes = n * p.ElementSize;
            if (name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal)) { adapter += bytes; adapterCount += n; }
            else if (quantization is not null && IsQuantizedLinear(name, p))
            {
                var (data, extra) = QuantizedBytes(quantization, p.shape);
                quantized += data; quantizedCount += n; constants += extra;
            }
            else { weights += bytes; weightCount += n; }
            if (!p.requires_grad) continue;
            trainable += n;
            gradients += bytes;
            state += OptimizerChoice.StateBytes(config.Optimizer, n, config.SgdMomentum);
        }
        if (trainable > 0) state += OptimizerChoice.SharedStateBytes(config.Optimizer);
        // Double quantization's 256-entry map is one table that every layer's constants refer to (as bitsandbytes keeps it in memory).
        if (quantization is { Is4Bit: true, DoubleQuant: true } && quantizedCount > 0) constants += 4 * DynamicQuantizationMap.Size;

        long tokens = (long)config.MicroBatchSize * config.Data.SequenceLen;
        int a = computeDtype is ScalarType.BFloat16 or ScalarType.Float16 ? 2 : 4;
        var widths = lora is null ? [] : lora.Layers.Where(l => l.Key.StartsWith("model.layers.0.", StringComparison.Ordinal)).Select(l => l.Value.InFeatures).ToList();
        int rank = lora?.Config.R ?? 0;
        bool dropout = lora?.Config.Dropout > 0;
        bool fused = model.HeadWeight is not null, headBuffer = model.HeadWeight is { requires_grad: true } head && head.dtype != ScalarType.Float32;
        MemoryPlanRow Activations(bool checkpointing) => new(
            checkpointing ? "activations (gradient checkpointing)" : "activations",
            ActivationMemory.Total(shape, tokens, a, widths, rank, dropout, checkpointing, fused, headBuffer), 0,
            $"{shape.NumHiddenLayers} layers × {ActivationMemory.PerLayer(shape, tokens, a, widths, rank, dropout):N0} B"
            + (checkpointing ? " kept for one layer, its input for the rest" : "")
            + $", {(fused ? "fused head and loss" : "logits and loss")} {ActivationMemory.LogitsAndLoss(shape, tokens, a, fused, headBuffer):N0} B; N = {config.MicroBatchSize}×{config.Data.SequenceLen} tokens in {DtypeNames.ToHf(computeDtype)}");

        bool paged = OptimizerChoice.IsPaged(config.Optimizer);
        var rows = new List<MemoryPlanRow>
        {
            new("weights", weights, 0, $"{weightCount:N0} parameters in {DtypeNames.ToHf(weightDtype)}"),
        };
        if (quantization is not null)
        {
            rows.Add(new("quantized weights", quantized, 0, $"{quantizedCount:N0} linear-layer parameters in {QuantizedName(quantization)}"));
            rows.Add(new("quantization constants", constants, 0, ConstantsDetail(quantization)));
        }
        rows.Add(new("adapter", adapter, 0, lora is null ? "none" : $"LoRA A and B of {lora.Layers.Count} layers, {adapterCount:N0} parameters in float32"));
        rows.Add(new("gradients", gradients, 0, $"{trainable:N0} trainable parameters"));
        rows.Add(new("optimizer state", paged ? 0 : state, paged ? state : 0, $"{config.Optimizer}" + (paged ? ", in host memory" : "")));
        rows.Add(Activations(config.GradientCheckpointing));
        return new MemoryPlan(shape, target, weightDtype, computeDtype, tokens, rows, Activations(!config.GradientCheckpointing));
    }

    /// <summary>The plan as one JSON object: the rows (bytes on device and host), the totals, and the other checkpointing setting's activations.</summary>
    public JsonObject ToJson()
    {
        var rows = new JsonArray();
        foreach (var r in Rows) rows.Add(RowJson(r));
        return new JsonObject
        {
            ["device"] = Device.ToString().ToLowerInvariant(),
            ["weight_dtype"] = DtypeNames.ToHf(WeightDtype),
            ["compute_dtype"] = DtypeNames.ToHf(ComputeDtype),
            ["tokens_per_micro_batch"] = Tokens,
            ["rows"] = rows,
            ["device_total_bytes"] = DeviceTotal,
            ["host_total_bytes"] = HostTotal,
            ["other_activations"] = RowJson(OtherActivations),
        };
    }

    private static JsonObject RowJson(MemoryPlanRow r) =>
        new() { ["name"] = r.Name, ["device_bytes"] = r.DeviceBytes, ["host_bytes"] = r.HostBytes, ["detail"] = r.Detail };

    /// <summary>
    /// The linear weights that bitsandbytes (through transformers) quantizes: every nn.Linear of the decoder layers,
    /// not the embeddings, norms or lm_head (transformers keeps the output layer in full precision).
    /// </summary>
    private static bool IsQuantizedLinear(string name, Tensor p) =>
        p.dim() == 2 && name.StartsWith("model.layers.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);

    /// <summary>
    /// Bytes of a quantized [out, in] weight: 4-bit packs two values per byte, with a float32 absmax per 64 values and
    /// a 16-entry float32 code book; double quantization stores each absmax in one byte instead, with a float32 scale
    /// per 256 of them and a float32 offset (and the 256-entry map, shared by all layers, counted once by the caller);
    /// int8 stores one byte per value and a float32 scale per output row.
    /// </summary>
    internal static (long Data, long Constants) QuantizedBytes(QuantizationConfig q, long[] shape)
    {
        long n = shape[0] * shape[1];
        if (!q.Is4Bit) return (n, 4 * shape[0]);
        long blocks = (n + QuantizationConfig.BlockSize - 1) / QuantizationConfig.BlockSize;
        const long codeBook = 16 * 4;
        if (!q.DoubleQuant) return ((n + 1) / 2, 4 * blocks + codeBook);
        long nested = (blocks + QuantizationConfig.NestedBlockSize - 1) / QuantizationConfig.NestedBlockSize;
        return ((n + 1) / 2, blocks + 4 * nested + 4 + codeBook);
    }

    private static string QuantizedName(QuantizationConfig q) => q.Type switch
    {
        QuantType.Nf4 => "NF4",
        QuantType.Fp4 => "FP4",
        _ => "int8",
    };

    private static string ConstantsDetail(QuantizationConfig q) => !q.Is4Bit
        ? "a float32 scale per output row"
        : q.DoubleQuant
            ? $"8-bit absmax per {QuantizationConfig.BlockSize} values, float32 scale per {QuantizationConfig.NestedBlockSize} absmax, 256-entry map"
            : $"float32 absmax per {QuantizationConfig.BlockSize} values";

    /// <summary>
    /// The base model's shape: a preset's config.json (with the learned tokenizer's vocabulary size, at most
    /// train_tokenizer's vocab_size, and overrides_of_model_config), a model folder's config.json, or — for
    /// <c>base_model: run:OTHER.yaml</c> whose output is not there yet — that run's own model shape.
    /// </summary>
    private static ModelConfig ModelShape(TrainConfig config)
    {
        const string prefix = "preset:";
        if (config.BaseModel.StartsWith(prefix, StringComparison.Ordinal))
        {
            var json = ModelPresets.Config(config.BaseModel[prefix.Length..], null);
            if (config.TrainTokenizer is { } learn) json["vocab_size"] = learn.VocabSize;
            ModelPresets.WithOverrides(json, config.ModelConfigOverrides, $"{config.ConfigFile}: overrides_of_model_config");
            return ModelConfig.FromJson(json, "base_model");
        }
        if (!File.Exists(Path.Combine(config.BaseModel, "config.json")) && config.BaseRun is { } baseRun)
            return ModelShape(TrainConfig.Load(baseRun));
        return HfModelFolder.LoadConfig(config.BaseModel);
    }
}
