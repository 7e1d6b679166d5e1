using SharpTune.IO;
using TorchSharp;

namespace SharpTune.Tests.IO;

/// <summary>Makes tensors full of random bits and reads tensors' raw bytes back, for bit-exact comparisons.</summary>
internal static class TensorData
{
    public static readonly SafetensorsDtype[] AllDtypes = Enum.GetValues<SafetensorsDtype>();

    /// <summary>A CPU tensor of the dtype and shape whose bytes are random (0/1 for BOOL), so any byte mix-up shows.</summary>
    public static torch.Tensor Random(SafetensorsDtype dtype, long[] shape, int seed)
    {
        var tensor = torch.empty(shape, SafetensorsDtypes.ToScalarType(dtype));
        var bytes = new byte[tensor.numel() * tensor.element_size()];
        var random = new Random(seed);
        random.NextBytes(bytes);
        if (dtype == SafetensorsDtype.BOOL)
            for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        if (bytes.Length > 0) tensor.bytes = bytes;
        return tensor;
    }

    /// <summary>The tensor's elements as dense little-endian bytes.</summary>
    public static byte[] BytesOf(torch.Tensor tensor)
    {
        using var dense = tensor.contiguous();
        return tensor.numel() == 0 ? [] : dense.bytes.ToArray();
    }
}
