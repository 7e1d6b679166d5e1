using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Dtype names as configs and checkpoints spell them (float32/fp32, bfloat16/bf16, float16/fp16).</summary>
public static class DtypeNames
{
    /// <summary>Parses a floating dtype name; <paramref name="source"/> names the key or option in the error.</summary>
    public static ScalarType Parse(string name, string source) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" or "float" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "f16" or "half" => ScalarType.Float16,
        _ => throw new SharpTuneException($"{source}: unknown dtype '{name}' (use float32, bfloat16 or float16)"),
    };

    /// <summary>The name transformers writes in config.json's torch_dtype.</summary>
    public static string ToHf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentException($"not a model dtype: {dtype}", nameof(dtype)),
    };
}
