using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// Blockwise 8-bit quantization against a code book (bitsandbytes' <c>quantize_blockwise</c> /
/// <c>dequantize_blockwise</c>): the flattened tensor is cut into blocks of <see cref="BlockSize"/> values, each
/// block is divided by its absolute maximum (kept in float32), and each value is stored as the index of the nearest
/// code. Dequantizing multiplies the code's value by the block's absmax, so the error of a value is at most half the
/// gap between its two neighbouring codes, times the absmax.
/// </summary>
public sealed class BlockwiseQuantizer
{
    private readonly Tensor code;
    private readonly Tensor midpoints;

    /// <summary>Creates a quantizer over <paramref name="code"/> (ascending, at most 256 values in [-1, 1]) with blocks of <paramref name="blockSize"/>.</summary>
    public BlockwiseQuantizer(Tensor code, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        if (code.dim() != 1 || code.numel() < 2 || code.numel() > 256) throw new ArgumentException("the code book must be 1-d with 2 to 256 values", nameof(code));
        this.code = code.to(ScalarType.Float32).cpu().DetachFromDisposeScope();
        using var scope = NewDisposeScope();
        long n = this.code.numel();
        midpoints = ((this.code.narrow(0, 0, n - 1) + this.code.narrow(0, 1, n - 1)) / 2).MoveToOuterDisposeScope().DetachFromDisposeScope();
        BlockSize = blockSize;
    }

    /// <summary>Values per absmax constant.</summary>
    public int BlockSize { get; }

    /// <summary>The code book (float32, CPU).</summary>
    public Tensor Code => code;

    /// <summary>The number of blocks (absmax constants) for <paramref name="elements"/> values.</summary>
    public long BlocksFor(long elements) => (elements + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Quantizes <paramref name="values"/> (any shape, any float dtype) into <paramref name="codes"/> (uint8, the same
    /// number of elements) and <paramref name="absmax"/> (float32, one per block), in place, on their device.
    /// </summary>
    public void QuantizeInto(Tensor values, Tensor codes, Tensor absmax)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = values.numel(), blocks = BlocksFor(n);
        var flat = values.to(ScalarType.Float32).reshape(-1);
        if (blocks * BlockSize != n) flat = nn.functional.pad(flat, [0, blocks * BlockSize - n]);
        var rows = flat.view(blocks, BlockSize);
        var max = rows.abs().amax([1L]);
        // An all-zero block keeps absmax 0 and codes at 0.0's index; dividing by 1 instead avoids 0/0.
        var normalized = rows / where(max > 0, max, ones_like(max)).unsqueeze(1);
        var indices = bucketize(normalized, midpoints.to(values.device));
        codes.copy_(indices.reshape(-1).narrow(0, 0, n).to(ScalarType.Byte).view(codes.shape));
        absmax.copy_(max);
    }

    /// <summary>The float32 values <paramref name="codes"/> and <paramref name="absmax"/> stand for, shaped like <paramref name="codes"/>.</summary>
    public Tensor Dequantize(Tensor codes, Tensor absmax)
    {
        using var scope = NewDisposeScope();
        long n = codes.numel(), blocks = BlocksFor(n);
        var values = code.to(codes.device).index_select(0, codes.reshape(-1).to(ScalarType.Int64));
        if (blocks * BlockSize != n) values = nn.functional.pad(values, [0, blocks * BlockSize - n]);
        var scaled = values.view(blocks, BlockSize) * absmax.unsqueeze(1);
        return scaled.reshape(-1).narrow(0, 0, n).reshape(codes.shape).MoveToOuterDisposeScope();
    }
}
