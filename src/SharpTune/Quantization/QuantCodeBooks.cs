using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// The value tables that quantization codes index, as bitsandbytes defines them: the 4-bit NF4 and FP4 code books
/// (<c>get_4bit_type</c>) and the signed dynamic 8-bit map (<c>create_dynamic_map</c>) that double quantization
/// stores the absmax constants in.
/// </summary>
public static class QuantCodeBooks
{
    /// <summary>NF4 (QLoRA, Dettmers et al. 2023), ascending: code i dequantizes to Nf4[i]·absmax.</summary>
    public static IReadOnlyList<float> Nf4 { get; } =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>
    /// FP4 (e2m1) as bitsandbytes lays it out: bit 3 is the sign, bits 0–2 index the magnitudes
    /// 0, 0.0625, 8, 12, 4, 6, 2, 3, all divided by 12 so that the largest is 1.
    /// </summary>
    public static IReadOnlyList<float> Fp4 { get; } =
        new[] { 0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f }.Select(v => v / 12f).ToArray();

    private static readonly Lazy<float[]> Dynamic = new(CreateDynamicMap);

    /// <summary>
    /// bitsandbytes' signed dynamic map (<c>create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)</c>),
    /// 256 ascending values in [-1, 1]: for exponent i = 0..6, the midpoints of <c>linspace(0.1, 1, 2^i + 1)</c> scaled by
    /// 10^(i−6), with both signs, plus 0 and 1. Computed with libtorch's float32 linspace as bitsandbytes does, so the
    /// values are the same to the bit.
    /// </summary>
    public static IReadOnlyList<float> Dynamic8Bit => Dynamic.Value;

    /// <summary>The 4-bit code book of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a 4-bit type.</exception>
    public static IReadOnlyList<float> For(QuantType type) => type switch
    {
        QuantType.Nf4 => Nf4,
        QuantType.Fp4 => Fp4,
        _ => throw new ArgumentException($"{type} has no 4-bit code book", nameof(type)),
    };

    private static float[] CreateDynamicMap()
    {
        const int maxExponentBits = 7, nonSignBits = 7;
        var data = new List<float>();
        using var scope = NewDisposeScope();
        for (int i = 0; i < maxExponentBits; i++)
        {
            long fractionItems = (1L << (i + nonSignBits - maxExponentBits)) + 1;
            var boundaries = linspace(0.1, 1.0, fractionItems, ScalarType.Float32);
            var means = (boundaries[..^1] + boundaries[1..]) / 2.0;
            double scale = Math.Pow(10, -(maxExponentBits - 1) + i);
            data.AddRange((means * scale).data<float>().ToArray());
            data.AddRange((means * -scale).data<float>().ToArray());
        }
        data.Add(0f);
        data.Add(1f);
        if (data.Count != 256) throw new InvalidOperationException($"the dynamic map has {data.Count} values, not 256");
        data.Sort();
        return [.. data];
    }
}
