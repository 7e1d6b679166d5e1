using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Quantization;

/// <summary>
/// What the quantized linear weights of a model folder take: the weights of its decoder layers' linear projections
/// (every 2-D <c>model.layers.N.….weight</c>; embeddings, norms and lm_head stay in full precision, as
/// bitsandbytes/transformers leave them) and the bits they are stored in, per-block constants included (the shared
/// code books are not). Read from the safetensors headers only.
/// </summary>
/// <param name="Config">The quantization.</param>
/// <param name="Layers">Quantized linear layers.</param>
/// <param name="Parameters">Weights in them.</param>
/// <param name="StorageBits">Bits they take: codes plus absmax (plus nested absmax and offset under double quantization).</param>
public sealed record QuantizedFootprint(QuantizationConfig Config, int Layers, long Parameters, long StorageBits)
{
    /// <summary>Storage bits per quantized weight.</summary>
    public double BitsPerParameter => Parameters == 0 ? 0 : StorageBits / (double)Parameters;

    /// <summary>
    /// The footprint of <paramref name="folder"/>'s linear weights: as stored when the folder is already quantized with
    /// bitsandbytes (its quantization_config wins over <paramref name="config"/>), else as <paramref name="config"/> would store them.
    /// </summary>
    /// <exception cref="SharpTuneException">The folder or its checkpoint cannot be read.</exception>
    public static QuantizedFootprint Read(string folder, QuantizationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var stored = BnbCheckpoint.ReadConfig(folder);
        using var reader = CheckpointReader.Open(folder);
        int layers = 0;
        long parameters = 0, bits = 0;
        foreach (var name in reader.Names.Where(IsLayerWeight).Order(StringComparer.Ordinal))
        {
            var info = reader.Info(name);
            if (stored is { Is4Bit: true } && info.Dtype == SafetensorsDtype.U8)
            {
                // Packed codes: two per byte; the constants are the tensors beside them.
                long count = info.ElementCount * 2;
                long constants = Bits(reader, name + ".absmax") + Bits(reader, name + ".nested_absmax");
                if (reader.Contains(name + ".nested_absmax")) constants += 32; // nested_offset
                layers++;
                parameters += count;
                bits += info.ByteCount * 8 + constants;
            }
            else if (stored is { Type: QuantType.Int8 } && info.Dtype == SafetensorsDtype.I8)
            {
                string scb = name[..^".weight".Length] + ".SCB";
                layers++;
                parameters += info.ElementCount;
                bits += info.ByteCount * 8 + Bits(reader, scb);
            }
            else if (stored is null && info.Shape.Length == 2)
            {
                layers++;
                parameters += info.ElementCount;
                bits += config.Is4Bit
                    ? Quantized4BitWeight.StorageBitsFor(info.ElementCount, config.DoubleQuant)
                    : info.ElementCount * 8 + info.Shape[0] * 32;
            }
        }
        return new QuantizedFootprint(stored ?? config, layers, parameters, bits);
    }

    /// <summary>The footprint as JSON (<c>sharptune info --load-in-4bit --json</c>'s <c>quantization</c> object).</summary>
    public JsonObject ToJson() => new()
    {
        ["quant_type"] = Config.Type.ToString().ToLowerInvariant(),
        ["double_quant"] = Config.DoubleQuant,
        ["quantized_layers"] = Layers,
        ["quantized_parameters"] = Parameters,
        ["storage_bytes"] = (StorageBits + 7) / 8,
        ["bits_per_parameter"] = Math.Round(BitsPerParameter, 4),
    };

    private static bool IsLayerWeight(string name) =>
        name.StartsWith("model.layers.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);

    private static long Bits(CheckpointReader reader, string name) => reader.Contains(name) ? reader.Info(name).ByteCount * 8 : 0;
}
