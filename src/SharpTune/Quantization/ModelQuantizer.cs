using SharpTune.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// Puts quantized layers into a model's linear slots (<see cref="ILinearHost"/>) and takes them out again; the model
/// itself knows nothing of quantization. As bitsandbytes through transformers, the output head (<c>lm_head</c>) stays
/// in full precision, and so do embeddings and norms, which are not linear slots.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>The module bitsandbytes/transformers leave unquantized by default (<c>llm_int8_skip_modules</c>).</summary>
    public const string OutputLayerName = "lm_head";

    /// <summary>
    /// Replaces every plain linear slot of <paramref name="model"/> except those in <paramref name="skipModules"/>
    /// (default: lm_head) by a <see cref="QuantizedLinear"/>, one layer at a time, disposing each full-precision layer as
    /// soon as it is quantized so that its weight does not stay alive.
    /// </summary>
    /// <returns>The number of layers quantized.</returns>
    public static int Quantize(nn.Module model, QuantizationConfig config, IReadOnlyCollection<string>? skipModules = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var skip = skipModules ?? [OutputLayerName];
        int count = 0;
        foreach (var slot in ModuleTree.LinearSlots(model))
        {
            if (slot.Module is not Linear linear || IsSkipped(slot.Path, skip)) continue;
            var quantized = QuantizedLinear.FromLinear(linear, config);
            if (!linear.training) quantized.eval();
            slot.Host.ReplaceLinear(slot.Name, quantized);
            linear.Dispose();
            count++;
        }
        return count;
    }

    /// <summary>Replaces every <see cref="QuantizedLinear"/> slot by a frozen plain linear layer holding its dequantized weight in <paramref name="dtype"/>.</summary>
    /// <returns>The number of layers dequantized.</returns>
    public static int Dequantize(nn.Module model, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(model);
        int count = 0;
        foreach (var slot in ModuleTree.LinearSlots(model))
        {
            if (slot.Module is not QuantizedLinear quantized) continue;
            var linear = quantized.ToLinear(dtype);
            slot.Host.ReplaceLinear(slot.Name, linear);
            quantized.Dispose();
            count++;
        }
        return count;
    }

    /// <summary>The quantized layers of <paramref name="model"/> by module path, in model order (found directly in their slots, not under a LoRA layer).</summary>
    public static IReadOnlyList<(string Path, QuantizedLinear Layer)> QuantizedLayers(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModuleTree.LinearSlots(model).Where(s => s.Module is QuantizedLinear).Select(s => (s.Path, (QuantizedLinear)s.Module)).ToList();
    }

    /// <summary>Whether module <paramref name="path"/> is named, or ends with a name, in <paramref name="skipModules"/> (transformers matches names so).</summary>
    public static bool IsSkipped(string path, IReadOnlyCollection<string> skipModules)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(skipModules);
        return skipModules.Any(s => path == s || path.EndsWith("." + s, StringComparison.Ordinal) || path.StartsWith(s + ".", StringComparison.Ordinal));
    }
}
