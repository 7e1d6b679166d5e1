using SharpTune.Quantization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Quantization;

/// <summary>
/// The quantizers against a direct computation written out in loops here: block absmax, nearest code by searching all
/// 16 (or 256) entries, high-nibble-first packing, and dequantization as code·absmax.
/// </summary>
public sealed class QuantizationReferenceTests
{
    private static float[] RandomNormal(int n, ulong seed)
    {
        using var g = new Generator(seed);
        using var t = randn(new long[] { n }, ScalarType.Float32, generator: g);
        return t.data<float>().ToArray();
    }

    /// <summary>Nearest entry by exhaustive search, the first one on a tie (argmin).</summary>
    private static int Nearest(float value, IReadOnlyList<float> codeBook)
    {
        int best = 0;
        for (int i = 1; i < codeBook.Count; i++)
            if (Math.Abs(value - codeBook[i]) < Math.Abs(value - codeBook[best])) best = i;
        return best;
    }

    /// <summary>Block absmax, codes of x·(1/absmax) clamped to [-1, 1], and code·absmax.</summary>
    internal static (int[] Codes, float[] Absmax, float[] Values) Reference(float[] x, IReadOnlyList<float> codeBook, int blockSize)
    {
        int blocks = (x.Length + blockSize - 1) / blockSize;
        var absmax = new float[blocks];
        var codes = new int[x.Length];
        var values = new float[x.Length];
        for (int b = 0; b < blocks; b++)
        {
            int end = Math.Min(x.Length, (b + 1) * blockSize);
            for (int i = b * blockSize; i < end; i++) absmax[b] = Math.Max(absmax[b], Math.Abs(x[i]));
            float reciprocal = 1f / absmax[b];
            for (int i = b * blockSize; i < end; i++)
            {
                codes[i] = Nearest(Math.Clamp(x[i] * reciprocal, -1f, 1f), codeBook);
                values[i] = codeBook[codes[i]] * absmax[b];
            }
        }
        return (codes, absmax, values);
    }

    [Theory]
    [InlineData(QuantType.Nf4)]
    [InlineData(QuantType.Fp4)]
    public void Codes_packing_and_dequantized_values_equal_the_reference_on_normal_data(QuantType type)
    {
        const int rows = 48, cols = 100; // 4800 values: 75 blocks of 64
        var x = RandomNormal(rows * cols, 11);
        using var weight = tensor(x).view(rows, cols);
        using var q = Quantized4BitWeight.Quantize(weight, type, doubleQuant: false);
        var codeBook = QuantCodeBooks.For(type);
        var (codes, absmax, values) = Reference(x, codeBook, 64);

        Assert.Equal(new long[] { rows * cols / 2, 1 }, q.Packed.shape);
        Assert.Equal(absmax, q.Absmax.data<float>().ToArray());
        var packed = q.Packed.data<byte>().ToArray();
        for (int i = 0; i < x.Length; i += 2)
            Assert.Equal((byte)((codes[i] << 4) | codes[i + 1]), packed[i / 2]);
        using var codesOut = q.Codes();
        Assert.Equal(codes, codesOut.data<byte>().ToArray().Select(c => (int)c).ToArray());
        using var dq = q.Dequantize(ScalarType.Float32);
        Assert.Equal(new long[] { rows, cols }, dq.shape);
        Assert.Equal(values, dq.data<float>().ToArray());
    }

    [Fact]
    public void Fp4_code_book_is_bitsandbytes_e2m1_layout_sign_in_bit_3()
    {
        var fp4 = QuantCodeBooks.Fp4;
        float[] magnitudes = [0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f];
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(magnitudes[i] / 12f, fp4[i]);
            Assert.Equal(-magnitudes[i] / 12f, fp4[i | 8]);
        }
        Assert.Equal(-1.0f, QuantCodeBooks.Nf4[0]);
        Assert.Equal(0.07958029955625534f, QuantCodeBooks.Nf4[8]);
    }

    [Fact]
    public void Dynamic_map_follows_create_dynamic_map_signed()
    {
        IReadOnlyList<float> map = DynamicQuantizationMap.Signed.data<float>().ToArray();
        Assert.Equal(256, map.Count);
        for (int i = 1; i < 256; i++) Assert.True(map[i - 1] < map[i], $"ascending at {i}");
        Assert.Equal(0f, map[127]);
        Assert.Equal(1f, map[255]);
        // The largest exponent: midpoints of 65 points from 0.1 to 1, so the top one is (0.9859375 + 1) / 2.
        Assert.Equal(0.99296875f, map[254], 6);
        Assert.Equal(-0.99296875f, map[0], 6);
        // The smallest magnitude: 1e-6 times the only midpoint of linspace(0.1, 1, 2), 0.55.
        Assert.Equal(0.55e-6f, map[128], 9);
        Assert.Equal(-map[128], map[126]);
    }

    [Fact]
    public void Double_quantization_equals_the_reference_on_the_absmax_constants()
    {
        const int n = 64 * 600; // 600 absmax constants: blocks of 256, 256 and 88
        var x = RandomNormal(n, 12);
        using var weight = tensor(x).view(150, 256);
        using var q = Quantized4BitWeight.Quantize(weight, QuantType.Nf4, doubleQuant: true);
        var (codes, absmax, _) = Reference(x, QuantCodeBooks.Nf4, 64);

        double mean = 0;
        using (var am = tensor(absmax)) mean = am.mean().item<float>();
        float offset = (float)mean;
        Assert.Equal(offset, q.NestedOffset);
        var centered = absmax.Select(a => a - offset).ToArray();
        var (nestedCodes, nestedAbsmax, nestedValues) = Reference(centered, DynamicQuantizationMap.Signed.data<float>().ToArray(), 256);
        Assert.Equal(ScalarType.Byte, q.Absmax.dtype);
        Assert.Equal(nestedCodes, q.Absmax.data<byte>().ToArray().Select(c => (int)c).ToArray());
        Assert.Equal(nestedAbsmax, q.NestedAbsmax!.data<float>().ToArray());
        Assert.Equal(3, q.NestedAbsmax.numel());

        using var decoded = q.BlockAbsmax();
        var expectedAbsmax = nestedValues.Select(v => v + offset).ToArray();
        Assert.Equal(expectedAbsmax, decoded.data<float>().ToArray());
        using var dq = q.Dequantize(ScalarType.Float32);
        var got = dq.data<float>().ToArray();
        for (int i = 0; i < n; i++) Assert.Equal(QuantCodeBooks.Nf4[codes[i]] * expectedAbsmax[i / 64], got[i]);
    }

    [Fact]
    public void Nf4_error_on_normal_data_is_below_fp4_and_int4_absmax()
    {
        var (nf4, fp4, int4) = ErrorsOnNormalData(1 << 16, 13);
        Assert.True(nf4 < fp4, $"NF4 MSE {nf4} vs FP4 {fp4}");
        Assert.True(nf4 < int4, $"NF4 MSE {nf4} vs int4 {int4}");
    }

    /// <summary>Mean squared error of NF4, FP4 and symmetric int4 absmax (codes −7..7 / 7), all in blocks of 64, on N(0, 1) data.</summary>
    internal static (double Nf4, double Fp4, double Int4) ErrorsOnNormalData(int n, ulong seed)
    {
        var x = RandomNormal(n, seed);
        using var weight = tensor(x);
        double Mse(Tensor dq) => dq.data<float>().ToArray().Select((v, i) => (v - x[i]) * (double)(v - x[i])).Average();
        using var nf4 = Quantized4BitWeight.Quantize(weight, QuantType.Nf4, false);
        using var fp4 = Quantized4BitWeight.Quantize(weight, QuantType.Fp4, false);
        using var nf4Values = nf4.Dequantize(ScalarType.Float32);
        using var fp4Values = fp4.Dequantize(ScalarType.Float32);
        var int4Book = Enumerable.Range(-7, 15).Select(v => v / 7f).ToArray();
        var (_, _, int4Values) = Reference(x, int4Book, 64);
        using var int4 = tensor(int4Values);
        return (Mse(nf4Values), Mse(fp4Values), Mse(int4));
    }

    [Fact]
    public void Bits_per_parameter_with_double_quantization_is_at_most_4_13()
    {
        using var weight = randn(256, 256);
        using var q = Quantized4BitWeight.Quantize(weight, QuantType.Nf4, doubleQuant: true);
        double bits = q.StorageBits / (double)weight.numel();
        Assert.True(bits <= 4.13, $"{bits} bits per parameter");
        Assert.Equal(Quantized4BitWeight.StorageBitsFor(weight.numel(), true), q.StorageBits);
        using var single = Quantized4BitWeight.Quantize(weight, QuantType.Nf4, doubleQuant: false);
        Assert.Equal(4.5, single.StorageBits / (double)weight.numel());
    }

    [Fact]
    public void Int8_rows_equal_the_reference()
    {
        var x = RandomNormal(20 * 30, 14);
        using var weight = tensor(x).view(20, 30);
        using var q = Int8Weight.Quantize(weight);
        var w8 = q.Weight.data<sbyte>().ToArray();
        var scb = q.Scb.data<float>().ToArray();
        using var dq = q.Dequantize(ScalarType.Float32);
        var values = dq.data<float>().ToArray();
        for (int r = 0; r < 20; r++)
        {
            float absmax = 0;
            for (int c = 0; c < 30; c++) absmax = Math.Max(absmax, Math.Abs(x[r * 30 + c]));
            Assert.Equal(absmax, scb[r]);
            for (int c = 0; c < 30; c++)
            {
                int i = r * 30 + c;
                Assert.Equal((sbyte)Math.Round(x[i] * (127.0f / absmax), MidpointRounding.ToEven), w8[i]);
                Assert.Equal(w8[i] * (absmax / 127f), values[i], 6);
            }
        }
    }
}
