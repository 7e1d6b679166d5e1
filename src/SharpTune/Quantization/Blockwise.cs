using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// Blockwise absmax quantization as bitsandbytes does it: the flattened values are cut into blocks, each block is
/// divided by its largest magnitude (multiplied by its reciprocal, clamped to [-1, 1]), and every value becomes the
/// index of the nearest entry of a code book (ties to the lower index, as its argmin); dequantization is
/// code[index]·absmax. Also packs 4-bit codes two to a byte, the first in the high nibble.
/// </summary>
internal static class Blockwise
{
    /// <summary>Quantizes the float32 values of <paramref name="values"/> (any shape) in blocks of <paramref name="blockSize"/>.</summary>
    /// <returns>Codes (uint8, one per value, flat) and the absmax of each block (float32).</returns>
    public static (Tensor Codes, Tensor Absmax) Quantize(Tensor values, IReadOnlyList<float> codeBook, int blockSize)
    {
        using var scope = NewDisposeScope();
        var flat = values.detach().to(ScalarType.Float32).flatten();
        long n = flat.shape[0];
        long blocks = (n + blockSize - 1) / blockSize;
        long padded = blocks * blockSize;
        if (padded != n) flat = nn.functional.pad(flat, [0, padded - n]);
        var grid = flat.view(blocks, blockSize);
        var absmax = grid.abs().amax([1]);
        // An all-zero block has absmax 0; its values scale to 0 (bitsandbytes would produce NaN there).
        var reciprocal = where(absmax == 0, ones_like(absmax), absmax).reciprocal();
        var scaled = (grid * reciprocal.unsqueeze(1)).clamp(-1.0, 1.0).flatten();
        var codes = NearestCode(scaled, codeBook)[..(int)n];
        return (codes.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope());
    }

    /// <summary>code[codes]·absmax per block, float32, flat (<paramref name="count"/> values).</summary>
    public static Tensor Dequantize(Tensor codes, Tensor codeBook, Tensor absmax, int blockSize, long count)
    {
        using var scope = NewDisposeScope();
        long blocks = absmax.shape[0];
        var values = codeBook.to(ScalarType.Float32).index_select(0, codes.flatten().to(ScalarType.Int64));
        long padded = blocks * blockSize;
        if (values.shape[0] < padded) values = nn.functional.pad(values, [0, padded - values.shape[0]]);
        var result = (values.view(blocks, blockSize) * absmax.to(ScalarType.Float32).unsqueeze(1)).flatten()[..(int)count];
        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Dequantizes packed 4-bit codes without unpacking them: one gather per byte from a 256-row table of the value
    /// pairs (high nibble, low nibble) a byte stands for, then the block scale. Float32, flat (<paramref name="count"/> values).
    /// </summary>
    public static Tensor Dequantize4Bit(Tensor packed, Tensor codeBook, Tensor absmax, int blockSize, long count)
    {
        using var scope = NewDisposeScope();
        var book = codeBook.to(ScalarType.Float32);
        var bytes = arange(256, ScalarType.Int32, book.device);
        var pairs = stack([book.index_select(0, bytes.bitwise_right_shift(4)), book.index_select(0, bytes.bitwise_and(15))], 1);
        var values = pairs.index_select(0, packed.flatten().to(ScalarType.Int32)).flatten();
        long blocks = absmax.shape[0], padded = blocks * blockSize;
        if (values.shape[0] < padded) values = nn.functional.pad(values, [0, padded - values.shape[0]]);
        else if (values.shape[0] > padded) values = values[..(int)padded];
        var result = (values.view(blocks, blockSize) * absmax.to(ScalarType.Float32).unsqueeze(1)).flatten()[..(int)count];
        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The index of the nearest code book entry for each value (uint8), ties to the lower index: the code book is
    /// sorted (duplicates such as FP4's −0 dropped, keeping the first index) and searched at the midpoints.
    /// </summary>
    public static Tensor NearestCode(Tensor values, IReadOnlyList<float> codeBook)
    {
        using var scope = NewDisposeScope();
        var order = Enumerable.Range(0, codeBook.Count)
            .GroupBy(i => codeBook[i]).Select(g => g.First())
            .OrderBy(i => codeBook[i]).ToArray();
        var sorted = order.Select(i => codeBook[i]).ToArray();
        var midpoints = new float[sorted.Length - 1];
        for (int i = 0; i < midpoints.Length; i++) midpoints[i] = (sorted[i] + sorted[i + 1]) / 2f;
        var boundaries = tensor(midpoints, device: values.device);
        // bucketize (right=false) counts the midpoints strictly below a value: a value on a midpoint goes to the lower entry.
        var position = bucketize(values.contiguous(), boundaries, false, false);
        var indices = tensor(order.Select(i => (byte)i).ToArray(), device: values.device);
        return indices.index_select(0, position.flatten()).view(values.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Packs 4-bit codes two per byte, element 2k in the high nibble and 2k+1 in the low one, as [(n+1)/2, 1] uint8.</summary>
    public static Tensor Pack(Tensor codes)
    {
        using var scope = NewDisposeScope();
        var flat = codes.flatten().to(ScalarType.Byte);
        if (flat.shape[0] % 2 == 1) flat = cat([flat, zeros(1, ScalarType.Byte, flat.device)]);
        var pairs = flat.view(-1, 2);
        var packed = pairs[.., 0].bitwise_left_shift(4).bitwise_or(pairs[.., 1]);
        return packed.unsqueeze(1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The 4-bit codes of <paramref name="packed"/>, in element order (2 per byte), uint8, flat.</summary>
    public static Tensor Unpack(Tensor packed)
    {
        using var scope = NewDisposeScope();
        var flat = packed.flatten();
        var high = flat.bitwise_right_shift(4);
        var low = flat.bitwise_and(15);
        return stack([high, low], 1).flatten().MoveToOuterDisposeScope();
    }
}
