using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// A weight in 4 bits (NF4 or FP4) as bitsandbytes stores it: the codes packed two per byte ([(n+1)/2, 1] uint8, the
/// first element in the high nibble), one absmax per block of <see cref="BlockSize"/> values, and the 16-entry code
/// book. With double quantization the absmax constants are themselves stored as 8-bit codes of the dynamic map, less
/// their mean (<see cref="NestedOffset"/>), in blocks of <see cref="NestedBlockSize"/> with one float32 absmax each.
/// </summary>
public sealed class Quantized4BitWeight : IQuantizedWeight
{
    private static readonly Dictionary<QuantType, BlockwiseQuantizer> Quantizers = new[] { QuantType.Nf4, QuantType.Fp4 }
        .ToDictionary(t => t, t => new BlockwiseQuantizer(QuantCodeBooks.For(t), QuantizationConfig.BlockSize));

    /// <summary>Double quantization: the absmax constants (less their mean) in the signed dynamic 8-bit map.</summary>
    private static readonly BlockwiseQuantizer NestedQuantizer = new(DynamicQuantizationMap.Signed, QuantizationConfig.NestedBlockSize);

    /// <summary>
    /// Takes ownership of stored tensors (as read from a checkpoint or produced by <see cref="Quantize"/>) after
    /// checking that their sizes agree with <paramref name="shape"/> and the block sizes.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor has the wrong dtype or size.</exception>
    public Quantized4BitWeight(
        QuantType type, long[] shape, Tensor packed, Tensor absmax, Tensor quantMap, int blockSize, ScalarType dtype,
        Tensor? nestedAbsmax = null, Tensor? nestedQuantMap = null, int nestedBlockSize = 0, float nestedOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(packed);
        ArgumentNullException.ThrowIfNull(absmax);
        ArgumentNullException.ThrowIfNull(quantMap);
        if (type is not (QuantType.Nf4 or QuantType.Fp4)) throw new ArgumentException($"{type} is not a 4-bit type", nameof(type));
        if (shape.Length == 0 || shape.Any(d => d <= 0)) throw new ArgumentException($"shape [{string.Join(", ", shape)}] is not a weight shape", nameof(shape));
        if (blockSize < 2 || blockSize > 1 << 16) throw new ArgumentException($"blocksize {blockSize} is out of range", nameof(blockSize));
        long count = 1;
        foreach (var d in shape) count = checked(count * d);
        long blocks = (count + blockSize - 1) / blockSize;
        bool nested = nestedAbsmax is not null;
        Require(packed, ScalarType.Byte, (count + 1) / 2, "weight (packed codes)");
        Require(absmax, nested ? ScalarType.Byte : ScalarType.Float32, blocks, "absmax");
        Require(quantMap, ScalarType.Float32, 16, "quant_map");
        if (nested)
        {
            if (nestedQuantMap is null) throw new ArgumentException("nested_absmax without nested_quant_map");
            if (nestedBlockSize < 2 || nestedBlockSize > 1 << 16) throw new ArgumentException($"nested_blocksize {nestedBlockSize} is out of range");
            if (!float.IsFinite(nestedOffset)) throw new ArgumentException($"nested_offset {nestedOffset} is not finite");
            Require(nestedAbsmax!, ScalarType.Float32, (blocks + nestedBlockSize - 1) / nestedBlockSize, "nested_absmax");
            Require(nestedQuantMap, ScalarType.Float32, 256, "nested_quant_map");
        }
        Type = type;
        Shape = shape;
        Count = count;
        Packed = packed;
        Absmax = absmax;
        QuantMap = quantMap;
        BlockSize = blockSize;
        Dtype = dtype;
        NestedAbsmax = nestedAbsmax;
        NestedQuantMap = nested ? nestedQuantMap : null;
        NestedBlockSize = nested ? nestedBlockSize : 0;
        NestedOffset = nested ? nestedOffset : 0;
    }

    /// <inheritdoc/>
    public QuantType Type { get; }

    /// <inheritdoc/>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of weights.</summary>
    public long Count { get; }

    /// <summary>The codes, two per byte, [(n+1)/2, 1] uint8 (bitsandbytes' <c>weight</c>).</summary>
    public Tensor Packed { get; }

    /// <summary>One absmax per block: float32, or uint8 codes of the dynamic map under double quantization (<c>weight.absmax</c>).</summary>
    public Tensor Absmax { get; }

    /// <summary>The code book the codes index, float32 [16] (<c>weight.quant_map</c>).</summary>
    public Tensor QuantMap { get; }

    /// <summary>Weights per absmax.</summary>
    public int BlockSize { get; }

    /// <summary>The dtype of the weight before quantization (the quant_state's <c>dtype</c>).</summary>
    public ScalarType Dtype { get; }


    /// <summary>Whether the absmax constants are double-quantized.</summary>
    public bool DoubleQuant => NestedAbsmax is not null;

    /// <summary>One float32 scale per block of absmax codes (<c>weight.nested_absmax</c>); null without double quantization.</summary>
    public Tensor? NestedAbsmax { get; }

    /// <summary>The dynamic 8-bit map the absmax codes index, float32 [256] (<c>weight.nested_quant_map</c>).</summary>
    public Tensor? NestedQuantMap { get; }

    /// <summary>Absmax constants per nested scale.</summary>
    public int NestedBlockSize { get; }

    /// <summary>The mean subtracted from the absmax constants before they were quantized.</summary>
    public float NestedOffset { get; }

    /// <inheritdoc/>
    public Device Device => Packed.device;

    /// <summary>The packed codes, the absmax constants and, with double quantization, their scales and offset; the shared code books are not counted.</summary>
    public long StorageBits =>
        Packed.numel() * 8 + Absmax.numel() * (DoubleQuant ? 8 : 32) + (DoubleQuant ? NestedAbsmax!.numel() * 32 + 32 : 0);

    /// <summary>The storage of <paramref name="count"/> weights quantized in blocks of 64 (and 256), as <see cref="StorageBits"/> counts it.</summary>
    public static long StorageBitsFor(long count, bool doubleQuant)
    {
        long blocks = (count + QuantizationConfig.BlockSize - 1) / QuantizationConfig.BlockSize;
        long nested = (blocks + QuantizationConfig.NestedBlockSize - 1) / QuantizationConfig.NestedBlockSize;
        return (count + 1) / 2 * 8 + blocks * (doubleQuant ? 8 : 32) + (doubleQuant ? nested * 32 + 32 : 0);
    }

    /// <summary>
    /// Quantizes <paramref name="weight"/> blockwise (block 64) to the nearest entries of <paramref name="type"/>'s code
    /// book, and with <paramref name="doubleQuant"/> its absmax constants (less their mean) to the dynamic 8-bit map in
    /// blocks of 256. The result lives on the weight's device; the weight itself is not kept.
    /// </summary>
    public static Quantized4BitWeight Quantize(Tensor weight, QuantType type, bool doubleQuant)
    {
        ArgumentNullException.ThrowIfNull(weight);
        // A type outside the table is not 4-bit: QuantCodeBooks.For throws.
        var quantizer = Quantizers.GetValueOrDefault(type) ?? new BlockwiseQuantizer(QuantCodeBooks.For(type), QuantizationConfig.BlockSize);
        using var scope = NewDisposeScope();
        var (codes, absmax) = quantizer.Quantize(weight);
        var packed = BlockwiseQuantizer.Pack(codes);
        var quantMap = quantizer.Code.to(weight.device, copy: true);
        Tensor? nestedAbsmax = null, nestedMap = null;
        float offset = 0;
        if (doubleQuant)
        {
            offset = absmax.mean().item<float>();
            (absmax, nestedAbsmax) = NestedQuantizer.Quantize(absmax - offset);
            nestedMap = NestedQuantizer.Code.to(weight.device, copy: true);
        }
        var result = new Quantized4BitWeight(type, weight.shape, packed, absmax, quantMap, QuantizationConfig.BlockSize, weight.dtype,
            nestedAbsmax, nestedMap, doubleQuant ? QuantizationConfig.NestedBlockSize : 0, offset);
        foreach (var t in result.Tensors()) t.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The float32 absmax of every block (decoding the double quantization if there is one).</summary>
    public Tensor BlockAbsmax()
    {
        if (!DoubleQuant) return Absmax.to(ScalarType.Float32, copy: true);
        using var scope = NewDisposeScope();
        var decoded = BlockwiseQuantizer.Dequantize(Absmax, NestedQuantMap!, NestedAbsmax!, NestedBlockSize, Absmax.shape[0]) + NestedOffset;
        return decoded.MoveToOuterDisposeScope();
    }

    /// <summary>The 4-bit code of every weight, in element order, uint8 (unpacked).</summary>
    public Tensor Codes()
    {
        using var scope = NewDisposeScope();
        return BlockwiseQuantizer.Unpack(Packed)[..(int)Count].contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor Dequantize(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var values = BlockwiseQuantizer.Dequantize4Bit(Packed, QuantMap, BlockAbsmax(), BlockSize, Count);
        return values.view(Shape.ToArray()).to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Every tensor it holds.</summary>
    public IEnumerable<Tensor> Tensors()
    {
        yield return Packed;
        yield return Absmax;
        yield return QuantMap;
        if (NestedAbsmax is not null) yield return NestedAbsmax;
        if (NestedQuantMap is not null) yield return NestedQuantMap;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }

    private static void Require(Tensor t, ScalarType dtype, long count, string what)
    {
        if (t.dtype != dtype) throw new ArgumentException($"{what} must be {dtype}, not {t.dtype}");
        if (t.numel() != count) throw new ArgumentException($"{what} must hold {count} values, not {t.numel()}");
    }
}
