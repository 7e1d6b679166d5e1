using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// Blockwise absmax quantization against a code book (bitsandbytes' <c>quantize_blockwise</c> /
/// <c>dequantize_blockwise</c>), for 4-bit weights, their double-quantized absmax constants and 8-bit optimizer
/// state: the flattened tensor is cut into blocks of <see cref="BlockSize"/> values, each block is scaled by its
/// absolute maximum (kept in float32), and each value is stored as the index of the nearest code (ties to the lower
/// index, as bitsandbytes' argmin). Dequantizing multiplies the code's value by the block's absmax, so the error of a
/// value is at most half the gap between its two neighbouring codes, times the absmax. Also packs 4-bit codes two to
/// a byte, the first in the high nibble, and dequantizes them packed.
/// </summary>
public sealed class BlockwiseQuantizer
{
    private readonly Tensor code;
    private readonly Tensor midpoints;
    private readonly byte[]? sortedToCode;

    /// <summary>
    /// Creates a quantizer over <paramref name="code"/> (1-d, 2 to 256 values in [-1, 1], any order; a repeated value
    /// such as FP4's −0 is never chosen over its first index) with blocks of <paramref name="blockSize"/>.
    /// </summary>
    public BlockwiseQuantizer(Tensor code, int blockSize)
        : this((IReadOnlyList<float>)CheckedValues(code), blockSize)
    {
    }

    /// <summary>Creates a quantizer over the code book <paramref name="code"/> (2 to 256 values) with blocks of <paramref name="blockSize"/>.</summary>
    public BlockwiseQuantizer(IReadOnlyList<float> code, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        if (code.Count < 2 || code.Count > 256) throw new ArgumentException("the code book must have 2 to 256 values", nameof(code));
        this.code = tensor(code.ToArray()).DetachFromDisposeScope();
        // Search the distinct values in ascending order at their midpoints; map back to the code's first index.
        var order = Enumerable.Range(0, code.Count)
            .GroupBy(i => code[i]).Select(g => g.First())
            .OrderBy(i => code[i]).ToArray();
        var between = new float[order.Length - 1];
        for (int i = 0; i < between.Length; i++) between[i] = (code[order[i]] + code[order[i + 1]]) / 2f;
        midpoints = tensor(between).DetachFromDisposeScope();
        if (order.Length != code.Count || order.Where((index, position) => index != position).Any())
            sortedToCode = order.Select(i => (byte)i).ToArray();
        BlockSize = blockSize;
    }

    /// <summary>Values per absmax constant.</summary>
    public int BlockSize { get; }

    /// <summary>The code book (float32, CPU).</summary>
    public Tensor Code => code;

    /// <summary>The number of blocks (absmax constants) for <paramref name="elements"/> values.</summary>
    public long BlocksFor(long elements) => (elements + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Quantizes the values of <paramref name="values"/> (any shape, any float dtype) as bitsandbytes'
    /// <c>quantize_blockwise</c> kernel does: each block is multiplied by the reciprocal of its absmax and clamped to
    /// [-1, 1]. An all-zero block has absmax 0 and its values scale to 0 (bitsandbytes would produce NaN there).
    /// </summary>
    /// <returns>Codes (uint8, one per value, flat) and the absmax of each block (float32), on the values' device.</returns>
    public (Tensor Codes, Tensor Absmax) Quantize(Tensor values)
    {
        using var scope = NewDisposeScope();
        var (rows, absmax) = Blocks(values.detach());
        var reciprocal = where(absmax == 0, ones_like(absmax), absmax).reciprocal();
        var scaled = (rows * reciprocal.unsqueeze(1)).clamp(-1.0, 1.0).flatten();
        var codes = NearestCode(scaled)[..(int)values.numel()];
        return (codes.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Quantizes <paramref name="values"/> (any shape, any float dtype) into <paramref name="codes"/> (uint8, the same
    /// number of elements) and <paramref name="absmax"/> (float32, one per block), in place, on their device. Each
    /// block is divided by its absmax (the 8-bit optimizers' state has always been stored this way; the last bit can
    /// differ from <see cref="Quantize"/>'s multiplication by the reciprocal). An all-zero block keeps absmax 0 and
    /// codes at 0.0's index.
    /// </summary>
    public void QuantizeInto(Tensor values, Tensor codes, Tensor absmax)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (rows, max) = Blocks(values);
        // Dividing by 1 instead of 0 avoids 0/0.
        var normalized = rows / where(max > 0, max, ones_like(max)).unsqueeze(1);
        var indices = NearestCode(normalized);
        codes.copy_(indices.reshape(-1).narrow(0, 0, values.numel()).view(codes.shape));
        absmax.copy_(max);
    }

    /// <summary>
    /// The index of the nearest code for each value of <paramref name="values"/> (uint8, same shape), ties to the
    /// lower index: the distinct codes are searched in ascending order at their midpoints.
    /// </summary>
    public Tensor NearestCode(Tensor values)
    {
        using var scope = NewDisposeScope();
        // bucketize (right=false) counts the midpoints strictly below a value: a value on a midpoint goes to the lower entry.
        var position = bucketize(values.contiguous(), midpoints.to(values.device), false, false);
        if (sortedToCode is null) return position.to(ScalarType.Byte).MoveToOuterDisposeScope();
        var indices = tensor(sortedToCode, device: values.device);
        return indices.index_select(0, position.flatten()).view(values.shape).MoveToOuterDisposeScope();
    }

    /// <summary>The float32 values <paramref name="codes"/> and <paramref name="absmax"/> stand for, shaped like <paramref name="codes"/>.</summary>
    public Tensor Dequantize(Tensor codes, Tensor absmax)
    {
        using var scope = NewDisposeScope();
        var values = Dequantize(codes, code.to(codes.device), absmax, BlockSize, codes.numel());
        return values.reshape(codes.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// code[codes]·absmax per block of <paramref name="blockSize"/>, float32, flat (<paramref name="count"/> values),
    /// for a code book <paramref name="codeBook"/> given as stored (e.g. read from a checkpoint).
    /// </summary>
    internal static Tensor Dequantize(Tensor codes, Tensor codeBook, Tensor absmax, int blockSize, long count)
    {
        using var scope = NewDisposeScope();
        var values = codeBook.to(ScalarType.Float32).index_select(0, codes.flatten().to(ScalarType.Int64));
        return ScaleBlocks(values, absmax, blockSize, count).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Dequantizes packed 4-bit codes without unpacking them: one gather per byte from a 256-row table of the value
    /// pairs (high nibble, low nibble) a byte stands for, then the block scale. Float32, flat (<paramref name="count"/> values).
    /// </summary>
    internal static Tensor Dequantize4Bit(Tensor packed, Tensor codeBook, Tensor absmax, int blockSize, long count)
    {
        using var scope = NewDisposeScope();
        var book = codeBook.to(ScalarType.Float32);
        var bytes = arange(256, ScalarType.Int32, book.device);
        var pairs = stack([book.index_select(0, bytes.bitwise_right_shift(4)), book.index_select(0, bytes.bitwise_and(15))], 1);
        var values = pairs.index_select(0, packed.flatten().to(ScalarType.Int32)).flatten();
        return ScaleBlocks(values, absmax, blockSize, count).MoveToOuterDisposeScope();
    }

    /// <summary>Packs 4-bit codes two per byte, element 2k in the high nibble and 2k+1 in the low one, as [(n+1)/2, 1] uint8.</summary>
    internal static Tensor Pack(Tensor codes)
    {
        using var scope = NewDisposeScope();
        var flat = codes.flatten().to(ScalarType.Byte);
        if (flat.shape[0] % 2 == 1) flat = cat([flat, zeros(1, ScalarType.Byte, flat.device)]);
        var pairs = flat.view(-1, 2);
        var packed = pairs[.., 0].bitwise_left_shift(4).bitwise_or(pairs[.., 1]);
        return packed.unsqueeze(1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The 4-bit codes of <paramref name="packed"/>, in element order (2 per byte), uint8, flat.</summary>
    internal static Tensor Unpack(Tensor packed)
    {
        using var scope = NewDisposeScope();
        var flat = packed.flatten();
        var high = flat.bitwise_right_shift(4);
        var low = flat.bitwise_and(15);
        return stack([high, low], 1).flatten().MoveToOuterDisposeScope();
    }

    /// <summary>The values as float32 rows of <see cref="BlockSize"/> (the last padded with zeros) and each row's absmax.</summary>
    private (Tensor Rows, Tensor Absmax) Blocks(Tensor values)
    {
        long n = values.numel(), blocks = BlocksFor(n);
        var flat = values.to(ScalarType.Float32).reshape(-1);
        if (blocks * BlockSize != n) flat = nn.functional.pad(flat, [0, blocks * BlockSize - n]);
        var rows = flat.view(blocks, BlockSize);
        return (rows, rows.abs().amax([1L]));
    }

    /// <summary>Flat float32 <paramref name="values"/> times their block's absmax, the first <paramref name="count"/>.</summary>
    private static Tensor ScaleBlocks(Tensor values, Tensor absmax, int blockSize, long count)
    {
        long blocks = absmax.shape[0], padded = blocks * blockSize;
        if (values.shape[0] < padded) values = nn.functional.pad(values, [0, padded - values.shape[0]]);
        else if (values.shape[0] > padded) values = values[..(int)padded];
        var result = (values.view(blocks, blockSize) * absmax.to(ScalarType.Float32).unsqueeze(1)).flatten()[..(int)count];
        return result.contiguous();
    }

    private static float[] CheckedValues(Tensor code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.dim() != 1 || code.numel() < 2 || code.numel() > 256) throw new ArgumentException("the code book must be 1-d with 2 to 256 values", nameof(code));
        return code.to(ScalarType.Float32).cpu().data<float>().ToArray();
    }
}
