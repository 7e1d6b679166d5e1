using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// The processes of one data-parallel run, as the launcher (<c>mpirun</c>) started them: this process's rank, the
/// world size, its rank on its own machine (which GPU it takes), and the collectives — MPI for CPU tensors and for
/// the small host-side values every step agrees on, NCCL for CUDA tensors. A single-process run has no group and
/// never loads MPI. Call <see cref="Close"/> when every rank has finished its work; a rank that fails exits without
/// it (MPI_Finalize would wait for ranks still blocked in a collective), and mpirun then stops the others.
/// </summary>
public sealed class ProcessGroup
{
    /// <summary>The environment variable the launcher sets in each process it starts (<c>mpi</c>).</summary>
    public const string EnvironmentVariable = "SHARPTUNE_DISTRIBUTED";

    private readonly MpiLibrary mpi;
    private NcclCollectives? nccl;
    private bool closed;

    private ProcessGroup(MpiLibrary mpi)
    {
        this.mpi = mpi;
        Host = new MpiCollectives(mpi);
        LocalRank = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_RANK"), out int local) ? local : Host.Rank;
        LocalSize = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int size) && size > 0 ? size : Host.WorldSize;
    }

    /// <summary>
    /// The group this process belongs to when the launcher started it (<see cref="EnvironmentVariable"/> is <c>mpi</c>):
    /// initializes MPI; otherwise null, and nothing is loaded.
    /// </summary>
    public static ProcessGroup? FromEnvironment()
    {
        string? engine = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(engine)) return null;
        if (engine != "mpi") throw new SharpTuneException($"{EnvironmentVariable}={engine}: the only launcher engine is mpi");
        var mpi = MpiLibrary.Load();
        mpi.Init();
        return new ProcessGroup(mpi);
    }

    /// <summary>This process's rank.</summary>
    public int Rank => Host.Rank;

    /// <summary>The number of processes.</summary>
    public int WorldSize => Host.WorldSize;

    /// <summary>This process's rank among those on its machine.</summary>
    public int LocalRank { get; }

    /// <summary>The number of ranks on this machine.</summary>
    public int LocalSize { get; }

    /// <summary>Whether this is rank 0, the one that writes logs, checkpoints and outputs.</summary>
    public bool IsMain => Rank == 0;

    /// <summary>MPI collectives on CPU tensors.</summary>
    public ICollectives Host { get; }

    /// <summary>The device this rank trains on: <paramref name="requested"/>, with a plain <c>cuda</c> becoming <c>cuda:LOCAL_RANK</c>.</summary>
    public Device DeviceFor(Device requested) =>
        requested.type == TorchSharp.DeviceType.CUDA && requested.index <= 0 && LocalRank > 0 ? new Device(TorchSharp.DeviceType.CUDA, LocalRank) : requested;

    /// <summary>The collectives for tensors on <paramref name="device"/>: MPI on the CPU, NCCL on CUDA (created at the first call, on every rank together).</summary>
    public ICollectives For(Device device) =>
        device.type == TorchSharp.DeviceType.CUDA ? nccl ??= NcclCollectives.Create(this, device) : Host;

    /// <summary>The sum of <paramref name="value"/> over all ranks.</summary>
    public double Sum(double value)
    {
        using var t = tensor(new[] { value });
        Host.AllReduceSum(t);
        return t.item<double>();
    }

    /// <summary>The sum of <paramref name="value"/> over all ranks.</summary>
    public long Sum(long value)
    {
        using var t = tensor(new[] { value });
        Host.AllReduceSum(t);
        return t.item<long>();
    }

    /// <summary>Rank <paramref name="root"/>'s <paramref name="data"/> on every rank (the others' argument is ignored).</summary>
    public byte[] BroadcastBytes(byte[] data, int root)
    {
        ArgumentNullException.ThrowIfNull(data);
        long length = Rank == root ? data.LongLength : 0;
        using (var n = tensor(new[] { length }))
        {
            Host.Broadcast(n, root);
            length = n.item<long>();
        }
        using var buffer = Rank == root ? tensor(data) : zeros(length, ScalarType.Byte);
        Host.Broadcast(buffer, root);
        return Rank == root ? data : buffer.data<byte>().ToArray();
    }

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => Host.Barrier();

    /// <summary>Ends every process of the job at once with <paramref name="code"/> (after an error on this rank).</summary>
    public void Abort(int code) => mpi.Abort(code);

    /// <summary>Destroys the NCCL communicator and finalizes MPI, after the work succeeded on every rank (never after an error: see the class remarks).</summary>
    public void Close()
    {
        if (closed) return;
        closed = true;
        nccl?.Dispose();
        mpi.Shutdown();
    }
}
