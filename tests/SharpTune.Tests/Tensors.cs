using static TorchSharp.torch;

namespace SharpTune.Tests;

internal static class Tensors
{
    /// <summary>Same shape, dtype and every element equal.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
