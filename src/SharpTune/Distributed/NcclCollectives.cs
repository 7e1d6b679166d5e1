using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// Collectives over NCCL on CUDA tensors, one communicator per process, bootstrapped over MPI (rank 0's
/// <c>ncclGetUniqueId</c> is broadcast). NCCL is loaded from <c>libnccl.so.2</c> (a PyTorch install ships it in
/// <c>site-packages/nvidia/nccl/lib</c>; put that folder on <c>LD_LIBRARY_PATH</c>, or name the file in
/// <c>SHARPTUNE_NCCL_LIBRARY</c>). Operations run on the legacy default stream (0), which libtorch's own kernels use
/// unless told otherwise, and each one waits for its stream to finish, so the result is ready when it returns.
/// Unverified here: the machines this was written on have no GPU.
/// </summary>
public sealed unsafe class NcclCollectives : ICollectives
{
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    private struct UniqueId
    {
        private fixed byte bytes[128];
    }

    private readonly IntPtr comm;
    private readonly Device device;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> allReduce, reduceScatter;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int> allGather;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> broadcast;
    private readonly delegate* unmanaged<IntPtr, int> destroy;
    private readonly delegate* unmanaged<int, IntPtr> errorString;
    private readonly ProcessGroup group;

    private NcclCollectives(IntPtr library, ProcessGroup group, Device device)
    {
        this.group = group;
        this.device = device;
        Rank = group.Rank;
        WorldSize = group.WorldSize;
        IntPtr Export(string name) => NativeLibrary.TryGetExport(library, name, out var a) ? a : throw new SharpTuneException($"rank {Rank}: the NCCL library has no '{name}'");
        errorString = (delegate* unmanaged<int, IntPtr>)Export("ncclGetErrorString");
        allReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclAllReduce");
        reduceScatter = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclReduceScatter");
        allGather = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int>)Export("ncclAllGather");
        broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclBroadcast");
        destroy = (delegate* unmanaged<IntPtr, int>)Export("ncclCommDestroy");
        var getUniqueId = (delegate* unmanaged<UniqueId*, int>)Export("ncclGetUniqueId");
        var initRank = (delegate* unmanaged<IntPtr*, int, UniqueId, int, int>)Export("ncclCommInitRank");

        // Rank 0 makes the communicator's id; MPI carries it to the others.
        UniqueId id = default;
        if (Rank == 0) Check(getUniqueId(&id), "ncclGetUniqueId");
        var bytes = new byte[128];
        fixed (byte* b = bytes)
        {
            if (Rank == 0) Buffer.MemoryCopy(&id, b, 128, 128);
        }
        bytes = group.BroadcastBytes(bytes, 0);
        fixed (byte* b = bytes) Buffer.MemoryCopy(b, &id, 128, 128);
        // NCCL binds a communicator to the calling thread's current CUDA device.
        SetCurrentDevice(device.index < 0 ? 0 : device.index);
        IntPtr c;
        Check(initRank(&c, WorldSize, id, Rank), "ncclCommInitRank");
        comm = c;
    }

    /// <summary>Opens NCCL and creates this rank's communicator for tensors on <paramref name="device"/> (a collective call: every rank must make it).</summary>
    public static NcclCollectives Create(ProcessGroup group, Device device)
    {
        ArgumentNullException.ThrowIfNull(group);
        string[] candidates = Environment.GetEnvironmentVariable("SHARPTUNE_NCCL_LIBRARY") is { Length: > 0 } path ? [path] : ["libnccl.so.2", "libnccl.so"];
        foreach (var name in candidates)
            if (NativeLibrary.TryLoad(name, out var library))
                return new NcclCollectives(library, group, device);
        throw new SharpTuneException(
            $"rank {group.Rank}: cannot load NCCL ({string.Join(", ", candidates)}): put a PyTorch install's site-packages/nvidia/nccl/lib on LD_LIBRARY_PATH or set SHARPTUNE_NCCL_LIBRARY");
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public string Engine => "nccl";

    /// <inheritdoc/>
    public void AllReduceSum(Tensor tensor)
    {
        IntPtr at = Address(tensor, "ncclAllReduce");
        Run(allReduce(at, at, (nuint)tensor.numel(), TypeOf(tensor), 0, comm, IntPtr.Zero), "ncclAllReduce");
    }

    /// <inheritdoc/>
    public void ReduceScatterSum(Tensor input, Tensor output)
    {
        if (input.numel() != output.numel() * WorldSize || input.dtype != output.dtype)
            throw new SharpTuneException($"rank {Rank}: reduce-scatter: the input must hold world-size blocks of the output's size and dtype");
        Run(reduceScatter(Address(input, "ncclReduceScatter"), Address(output, "ncclReduceScatter"), (nuint)output.numel(), TypeOf(input), 0, comm, IntPtr.Zero), "ncclReduceScatter");
    }

    /// <inheritdoc/>
    public void AllGather(Tensor input, Tensor output)
    {
        if (output.numel() != input.numel() * WorldSize || input.dtype != output.dtype)
            throw new SharpTuneException($"rank {Rank}: all-gather: the output must hold world-size blocks of the input's size and dtype");
        Run(allGather(Address(input, "ncclAllGather"), Address(output, "ncclAllGather"), (nuint)input.numel(), TypeOf(input), comm, IntPtr.Zero), "ncclAllGather");
    }

    /// <inheritdoc/>
    public void Broadcast(Tensor tensor, int root)
    {
        IntPtr at = Address(tensor, "ncclBroadcast");
        Run(broadcast(at, at, (nuint)tensor.numel(), TypeOf(tensor), root, comm, IntPtr.Zero), "ncclBroadcast");
    }

    /// <summary>A barrier over MPI (NCCL has none of its own).</summary>
    public void Barrier() => group.Barrier();

    /// <summary>Destroys the communicator.</summary>
    public void Dispose()
    {
        if (comm != IntPtr.Zero) destroy(comm);
    }

    /// <summary><c>cudaSetDevice</c> from the CUDA runtime libtorch already loaded (found by its soname).</summary>
    private void SetCurrentDevice(int index)
    {
        foreach (var name in new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so" })
        {
            if (!NativeLibrary.TryLoad(name, out var runtime) || !NativeLibrary.TryGetExport(runtime, "cudaSetDevice", out var address)) continue;
            int result = ((delegate* unmanaged<int, int>)address)(index);
            if (result != 0) throw new SharpTuneException($"cudaSetDevice({index}) failed on rank {Rank}: CUDA error {result}");
            return;
        }
        throw new SharpTuneException($"rank {Rank}: cannot find the CUDA runtime (libcudart.so) to select GPU {index}; put its folder on LD_LIBRARY_PATH");
    }

    private IntPtr Address(Tensor tensor, string operation)
    {
        if (tensor.device.type != TorchSharp.DeviceType.CUDA)
            throw new SharpTuneException($"rank {Rank}: {operation}: NCCL takes CUDA tensors, got one on {tensor.device}");
        return TensorMemory.Address(tensor, operation);
    }

    private int TypeOf(Tensor tensor) => tensor.dtype switch
    {
        ScalarType.Byte => 1,
        ScalarType.Int64 => 4,
        ScalarType.Float16 => 6,
        ScalarType.Float32 => 7,
        ScalarType.Float64 => 8,
        ScalarType.BFloat16 => 9,
        _ => throw new SharpTuneException($"rank {Rank}: NCCL collectives here take uint8, int64, float16, bfloat16, float32 or float64, got {tensor.dtype}"),
    };

    /// <summary>Checks the launch, then waits for the device so the result is in place when the call returns.</summary>
    private void Run(int result, string call)
    {
        Check(result, call);
        cuda.synchronize(device);
    }

    private void Check(int result, string call)
    {
        if (result != 0)
            throw new SharpTuneException($"{call} failed on rank {Rank}: {Marshal.PtrToStringUTF8(errorString(result)) ?? $"NCCL error {result}"}");
    }
}
