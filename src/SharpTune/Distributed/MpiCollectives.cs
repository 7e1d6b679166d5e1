using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// Collectives over Open MPI on CPU tensors (float32, float64, int64 and uint8), in place where MPI allows.
/// MPI counts are 32-bit, so all-reduce and broadcast go in chunks; a reduce-scatter or all-gather block must fit one.
/// </summary>
public sealed class MpiCollectives : ICollectives
{
    private const long Chunk = 1 << 30;
    private readonly MpiLibrary mpi;

    internal MpiCollectives(MpiLibrary mpi)
    {
        this.mpi = mpi;
        Rank = mpi.Rank();
        WorldSize = mpi.Size();
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public string Engine => "mpi";

    /// <inheritdoc/>
    public void AllReduceSum(Tensor tensor)
    {
        var (type, size) = TypeOf(tensor, "all-reduce");
        IntPtr at = TensorMemory.Address(tensor, "all-reduce");
        for (long done = 0, n = tensor.numel(); done < n; done += Chunk)
            mpi.AllReduceSum(at + (nint)(done * size), (int)Math.Min(Chunk, n - done), type, Rank);
    }

    /// <inheritdoc/>
    public void ReduceScatterSum(Tensor input, Tensor output)
    {
        var (type, _) = TypeOf(input, "reduce-scatter");
        Expect(output.dtype == input.dtype && input.numel() == output.numel() * WorldSize, "reduce-scatter", "the input must hold world-size blocks of the output's size and dtype");
        mpi.ReduceScatterSum(TensorMemory.Address(input, "reduce-scatter"), TensorMemory.Address(output, "reduce-scatter"), Count(output.numel(), "reduce-scatter"), type, Rank);
    }

    /// <inheritdoc/>
    public void AllGather(Tensor input, Tensor output)
    {
        var (type, _) = TypeOf(input, "all-gather");
        Expect(output.dtype == input.dtype && output.numel() == input.numel() * WorldSize, "all-gather", "the output must hold world-size blocks of the input's size and dtype");
        mpi.AllGather(TensorMemory.Address(input, "all-gather"), TensorMemory.Address(output, "all-gather"), Count(input.numel(), "all-gather"), type, Rank);
    }

    /// <inheritdoc/>
    public void Broadcast(Tensor tensor, int root)
    {
        var (type, size) = TypeOf(tensor, "broadcast");
        IntPtr at = TensorMemory.Address(tensor, "broadcast");
        for (long done = 0, n = tensor.numel(); done < n; done += Chunk)
            mpi.Broadcast(at + (nint)(done * size), (int)Math.Min(Chunk, n - done), type, root, Rank);
    }

    /// <inheritdoc/>
    public void Barrier() => mpi.Barrier(Rank);

    /// <summary>Nothing to release: MPI itself is finalized by the <see cref="ProcessGroup"/>.</summary>
    public void Dispose()
    {
    }

    private (IntPtr Type, long Size) TypeOf(Tensor tensor, string operation)
    {
        Expect(tensor.device.type == TorchSharp.DeviceType.CPU, operation, $"MPI collectives take CPU tensors, got one on {tensor.device}");
        return tensor.dtype switch
        {
            ScalarType.Float32 => (mpi.Float, 4),
            ScalarType.Float64 => (mpi.Double, 8),
            ScalarType.Int64 => (mpi.Int64, 8),
            ScalarType.Byte => (mpi.Byte, 1),
            _ => throw new SharpTuneException($"rank {Rank}: {operation}: MPI collectives here take float32, float64, int64 or uint8 tensors, got {tensor.dtype}"),
        };
    }

    private int Count(long count, string operation)
    {
        Expect(count <= int.MaxValue, operation, $"a block of {count} values is more than MPI's 32-bit count can say");
        return (int)count;
    }

    private void Expect(bool condition, string operation, string message)
    {
        if (!condition) throw new SharpTuneException($"rank {Rank}: {operation}: {message}");
    }
}
