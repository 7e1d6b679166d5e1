namespace SharpTune.Quantization;

/// <summary>
/// The 4-bit code books that quantization codes index, as bitsandbytes defines them (<c>get_4bit_type</c>): NF4 and
/// FP4. The dynamic 8-bit map that double quantization stores the absmax constants in is
/// <see cref="DynamicQuantizationMap.Signed"/>.
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

    /// <summary>The 4-bit code book of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a 4-bit type.</exception>
    public static IReadOnlyList<float> For(QuantType type) => type switch
    {
        QuantType.Nf4 => Nf4,
        QuantType.Fp4 => Fp4,
        _ => throw new ArgumentException($"{type} has no 4-bit code book", nameof(type)),
    };
}
