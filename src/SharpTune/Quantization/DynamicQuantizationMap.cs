using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// bitsandbytes' dynamic 8-bit data type (Dettmers, "8-Bit Approximations for Parallelism in Deep Learning", 2015;
/// <c>bitsandbytes.functional.create_dynamic_map</c>): 256 values in [-1, 1] (signed) or [0, 1] (unsigned) whose
/// leading zero bits act as a decimal exponent, so small magnitudes get fine steps and large ones coarse steps.
/// For exponent e = 0 … 6 the values are 10^(e−6) times the midpoints of an even split of [0.1, 1] into 2^e parts
/// (signed: also their negatives) or 2^(e+1) parts (unsigned); 0 and 1 complete the 256. bitsandbytes' 8-bit
/// optimizers quantize the first moment with the signed map and the second moment with the unsigned one; its
/// double quantization of 4-bit absmax constants uses the signed map.
/// </summary>
public static class DynamicQuantizationMap
{
    /// <summary>The number of codes in the 8-bit map.</summary>
    public const int Size = 256;

    private static readonly Lazy<Tensor> signedMap = new(() => Build(signed: true));
    private static readonly Lazy<Tensor> unsignedMap = new(() => Build(signed: false));

    /// <summary>The signed map (bitsandbytes' <c>dynamic</c>): 256 ascending float32 values from about −0.993 to 1, CPU. Shared: do not change it.</summary>
    public static Tensor Signed => signedMap.Value;

    /// <summary>The unsigned map (bitsandbytes' <c>udynamic</c>): 256 ascending float32 values from 0 to 1, CPU. Shared: do not change it.</summary>
    public static Tensor Unsigned => unsignedMap.Value;

    /// <summary>
    /// Computes the map as bitsandbytes does, in float32 with torch's own linspace so the values agree to the bit:
    /// 7 exponent bits over 8 total bits.
    /// </summary>
    public static Tensor Build(bool signed)
    {
        const int maxExponentBits = 7, nonSignBits = 7;
        var values = new List<float>(Size);
        using (var scope = NewDisposeScope())
        {
            for (int i = 0; i < maxExponentBits; i++)
            {
                long fractionItems = signed ? (1L << (i + nonSignBits - maxExponentBits)) + 1 : (1L << (i + nonSignBits - maxExponentBits + 1)) + 1;
                var boundaries = linspace(0.1, 1.0, fractionItems, dtype: ScalarType.Float32);
                var means = (boundaries.narrow(0, 0, fractionItems - 1) + boundaries.narrow(0, 1, fractionItems - 1)) / 2.0;
                var scaled = means * Math.Pow(10, -(maxExponentBits - 1) + i);
                var data = scaled.data<float>().ToArray();
                values.AddRange(data);
                if (signed) values.AddRange((-scaled).data<float>().ToArray());
            }
        }
        // additional_items = 2^(non_sign_bits − max_exponent_bits) − 1 = 0 for the 8-bit map.
        values.Add(0f);
        values.Add(1f);
        if (values.Count != Size) throw new InvalidOperationException($"dynamic map has {values.Count} values, expected {Size}");
        values.Sort();
        return tensor(values.ToArray()).DetachFromDisposeScope();
    }
}
