using TorchSharp;

namespace SharpTune.IO;

/// <summary>
/// Moves a tensor's raw bytes in and out of native memory in chunks, since TorchSharp exposes a tensor's
/// storage only as a <see cref="Span{T}"/> (at most 2 GiB) and checkpoints hold larger tensors.
/// </summary>
internal static unsafe class TensorBytes
{
    /// <summary>The default chunk: 1 GiB, well under a span's limit.</summary>
    public const long DefaultChunkBytes = 1L << 30;

    /// <summary>Bytes the tensor's elements occupy when stored densely.</summary>
    public static long ByteCount(torch.Tensor tensor) => checked(tensor.numel() * tensor.element_size());

    /// <summary>Fills a freshly made contiguous CPU tensor with <paramref name="byteCount"/> bytes from <paramref name="source"/>.</summary>
    public static void CopyInto(torch.Tensor destination, byte* source, long byteCount, long chunkBytes = DefaultChunkBytes)
    {
        if (!destination.is_contiguous() || destination.device_type != DeviceType.CPU)
            throw new InvalidOperationException("destination must be a contiguous CPU tensor");
        if (ByteCount(destination) != byteCount)
            throw new InvalidOperationException($"destination holds {ByteCount(destination)} bytes, source {byteCount}");
        if (byteCount == 0) return;
        using var flat = destination.reshape(-1);
        long elementSize = destination.element_size();
        long perChunk = Math.Max(1, chunkBytes / elementSize);
        long count = flat.numel();
        for (long start = 0; start < count; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, count - start));
            Span<byte> target = part.bytes;
            new ReadOnlySpan<byte>(source + start * elementSize, target.Length).CopyTo(target);
        }
    }

    /// <summary>Writes a contiguous CPU tensor's bytes to <paramref name="stream"/>.</summary>
    public static void WriteTo(Stream stream, torch.Tensor tensor, long chunkBytes = DefaultChunkBytes)
    {
        if (!tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
            throw new InvalidOperationException("tensor must be a contiguous CPU tensor");
        long count = tensor.numel();
        if (count == 0) return;
        using var flat = tensor.reshape(-1);
        long perChunk = Math.Max(1, chunkBytes / tensor.element_size());
        for (long start = 0; start < count; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, count - start));
            stream.Write(part.bytes);
        }
    }
}
