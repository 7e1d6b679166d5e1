using SharpTune.Config;
using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// How the frozen base weights are quantized, under the names of transformers' <c>BitsAndBytesConfig</c> so settings
/// carry over: <c>load_in_4bit</c>, <c>bnb_4bit_quant_type</c> (nf4 or fp4), <c>bnb_4bit_use_double_quant</c>,
/// <c>bnb_4bit_compute_dtype</c>, and <c>load_in_8bit</c> for int8 weight-only quantization.
/// </summary>
public sealed record QuantizationConfig
{
    /// <summary>The keys this record reads from a training config's top level.</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["load_in_4bit", "load_in_8bit", "bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_compute_dtype"];

    /// <summary>The number of weights that share one absmax constant in 4-bit quantization.</summary>
    public const int BlockSize = 64;

    /// <summary>The number of absmax constants that share one fp32 scale under double quantization.</summary>
    public const int NestedBlockSize = 256;

    /// <summary>nf4, fp4 (both 4-bit), or int8 (<c>load_in_8bit</c>).</summary>
    public QuantType Type { get; init; } = QuantType.Nf4;

    /// <summary><c>bnb_4bit_use_double_quant</c>: quantize the absmax constants themselves to 8 bits.</summary>
    public bool DoubleQuant { get; init; }

    /// <summary><c>bnb_4bit_compute_dtype</c>: the dtype weights are dequantized to for the matmul (float32, bfloat16 or float16).</summary>
    public ScalarType ComputeDtype { get; init; } = ScalarType.Float32;

    /// <summary>Whether the weights are stored in 4 bits (nf4 or fp4).</summary>
    public bool Is4Bit => Type is QuantType.Nf4 or QuantType.Fp4;

    /// <summary>
    /// Reads the quantization keys of <paramref name="yaml"/> (marking them read). Null when neither
    /// <c>load_in_4bit</c> nor <c>load_in_8bit</c> is true; <paramref name="implied4Bit"/> (from <c>adapter: qlora</c>)
    /// turns 4-bit on unless the config says <c>load_in_4bit: false</c>, which is then an error.
    /// </summary>
    /// <exception cref="SharpTuneException">A value is invalid or the combination is impossible; the message names file, line and key.</exception>
    public static QuantizationConfig? FromYaml(YamlSection yaml, bool implied4Bit)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        bool in8 = yaml.Bool("load_in_8bit", false);
        if (implied4Bit && yaml.Has("load_in_4bit") && !yaml.Bool("load_in_4bit", true))
            throw yaml.Error("load_in_4bit", "adapter: qlora trains LoRA on a 4-bit base; use adapter: lora for an unquantized base");
        bool in4 = yaml.Bool("load_in_4bit", implied4Bit);
        if (in4 && in8) throw yaml.Error("load_in_8bit", "give load_in_4bit or load_in_8bit, not both");
        string? type = yaml.String("bnb_4bit_quant_type");
        bool doubleQuant = yaml.Bool("bnb_4bit_use_double_quant", false);
        string? compute = yaml.String("bnb_4bit_compute_dtype");
        if (!in4)
        {
            foreach (var key in new[] { "bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_compute_dtype" })
                if (yaml.Has(key)) throw yaml.Error(key, "is a 4-bit setting, but load_in_4bit is not true (or adapter: qlora)");
            return in8 ? new QuantizationConfig { Type = QuantType.Int8 } : null;
        }
        var quantType = type?.Trim().ToLowerInvariant() switch
        {
            null or "nf4" => QuantType.Nf4,
            "fp4" => QuantType.Fp4,
            _ => throw yaml.Error("bnb_4bit_quant_type", $"expected nf4 or fp4, got '{type}'"),
        };
        var computeDtype = compute?.Trim().ToLowerInvariant() switch
        {
            null or "float32" or "fp32" or "torch.float32" => ScalarType.Float32,
            "bfloat16" or "bf16" or "torch.bfloat16" => ScalarType.BFloat16,
            "float16" or "fp16" or "torch.float16" => ScalarType.Float16,
            _ => throw yaml.Error("bnb_4bit_compute_dtype", $"expected float32, bfloat16 or float16, got '{compute}'"),
        };
        return new QuantizationConfig { Type = quantType, DoubleQuant = doubleQuant, ComputeDtype = computeDtype };
    }
}
