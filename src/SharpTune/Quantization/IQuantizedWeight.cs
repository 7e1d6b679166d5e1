using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>A frozen weight matrix held in a quantized form, dequantized on demand.</summary>
public interface IQuantizedWeight : IDisposable
{
    /// <summary>How it is stored.</summary>
    QuantType Type { get; }

    /// <summary>The shape of the full-precision weight, [out, in].</summary>
    IReadOnlyList<long> Shape { get; }

    /// <summary>The dtype of the weight before it was quantized (the dtype a merged layer returns to).</summary>
    ScalarType Dtype { get; }

    /// <summary>The device its tensors are on.</summary>
    Device Device { get; }

    /// <summary>Bits of storage: the quantized values and their per-block (or per-row) constants.</summary>
    long StorageBits { get; }

    /// <summary>The full-precision weight, [out, in], in <paramref name="dtype"/> (a new tensor).</summary>
    Tensor Dequantize(ScalarType dtype);
}
