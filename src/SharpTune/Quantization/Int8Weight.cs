using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// A weight in 8 bits with one absmax scale per output row (<c>load_in_8bit</c>, weight-only): int8 values
/// round(w·127/absmax) and the float32 row absmax, which transformers' bitsandbytes layers call <c>SCB</c>.
/// </summary>
public sealed class Int8Weight : IQuantizedWeight
{
    /// <summary>Takes ownership of an int8 [out, in] weight and its float32 [out] row scales; <paramref name="dtype"/> is the weight's dtype before quantization.</summary>
    /// <exception cref="ArgumentException">The dtypes or shapes do not fit.</exception>
    public Int8Weight(Tensor weight, Tensor scb, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(scb);
        if (weight.dtype != ScalarType.Int8 || weight.dim() != 2) throw new ArgumentException("the weight must be a 2-D int8 tensor");
        if (scb.dtype != ScalarType.Float32 || scb.dim() != 1 || scb.shape[0] != weight.shape[0])
            throw new ArgumentException($"SCB must be float32 [{weight.shape[0]}]");
        Weight = weight;
        Scb = scb;
        Shape = weight.shape;
        Dtype = dtype;
    }

    /// <inheritdoc/>
    public ScalarType Dtype { get; }

    /// <inheritdoc/>
    public QuantType Type => QuantType.Int8;

    /// <inheritdoc/>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The int8 values, [out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>The absmax of every row, float32 [out].</summary>
    public Tensor Scb { get; }

    /// <inheritdoc/>
    public Device Device => Weight.device;

    /// <inheritdoc/>
    public long StorageBits => Weight.numel() * 8 + Scb.numel() * 32;

    /// <summary>Quantizes <paramref name="weight"/> [out, in] row by row (an all-zero row stays zero).</summary>
    public static Int8Weight Quantize(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() != 2) throw new ArgumentException("int8 quantization takes a 2-D weight", nameof(weight));
        using var scope = NewDisposeScope();
        var w = weight.detach().to(ScalarType.Float32);
        var scb = w.abs().amax([1]);
        var safe = where(scb == 0, ones_like(scb), scb);
        var q = (w * (127.0 / safe).unsqueeze(1)).round().clamp(-127, 127).to(ScalarType.Int8);
        return new Int8Weight(q.MoveToOuterDisposeScope(), scb.MoveToOuterDisposeScope(), weight.dtype);
    }

    /// <inheritdoc/>
    public Tensor Dequantize(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var values = Weight.to(ScalarType.Float32) * (Scb / 127.0).unsqueeze(1);
        return values.to(dtype).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Weight.Dispose();
        Scb.Dispose();
    }
}
