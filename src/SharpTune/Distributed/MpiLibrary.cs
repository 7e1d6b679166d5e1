using System.Runtime.InteropServices;
using System.Text;

namespace SharpTune.Distributed;

/// <summary>
/// Open MPI's C API, bound at run time (no C shim): the library is opened with <c>RTLD_GLOBAL</c> (its plugins resolve
/// symbols against it), its functions are read as function pointers, and its predefined handles — in Open MPI the
/// addresses of exported globals such as <c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c> —
/// are read with <see cref="NativeLibrary.GetExport"/>. Loaded only when a run is launched with several processes.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>Open MPI's <c>MPI_IN_PLACE</c>.</summary>
    public static readonly IntPtr InPlace = 1;

    private const int RtldNow = 0x2, RtldGlobal = 0x100;
    private const int ThreadSerialized = 2;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern IntPtr DlError();

    private readonly IntPtr handle;

    private readonly delegate* unmanaged<int*, int> initialized;
    private readonly delegate* unmanaged<int*, IntPtr, int, int*, int> initThread;
    private readonly delegate* unmanaged<int> finalize;
    private readonly delegate* unmanaged<IntPtr, int*, int> commRank, commSize;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int> commSetErrhandler;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> allreduce;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> reduceScatterBlock;
    private readonly delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> allgather;
    private readonly delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> bcast;
    private readonly delegate* unmanaged<IntPtr, int> barrier;
    private readonly delegate* unmanaged<IntPtr, int, int> abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> errorString;

    private MpiLibrary(IntPtr handle)
    {
        this.handle = handle;
        initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        initThread = (delegate* unmanaged<int*, IntPtr, int, int*, int>)Export("MPI_Init_thread");
        finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        commRank = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_rank");
        commSize = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_size");
        commSetErrhandler = (delegate* unmanaged<IntPtr, IntPtr, int>)Export("MPI_Comm_set_errhandler");
        allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce");
        reduceScatterBlock = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Reduce_scatter_block");
        allgather = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Export("MPI_Allgather");
        bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast");
        barrier = (delegate* unmanaged<IntPtr, int>)Export("MPI_Barrier");
        abort = (delegate* unmanaged<IntPtr, int, int>)Export("MPI_Abort");
        errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Int64 = Export("ompi_mpi_int64_t");
        Byte = Export("ompi_mpi_byte");
        Sum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
    }

    /// <summary><c>MPI_COMM_WORLD</c>.</summary>
    public IntPtr CommWorld { get; }
    /// <summary><c>MPI_FLOAT</c>.</summary>
    public IntPtr Float { get; }
    /// <summary><c>MPI_DOUBLE</c>.</summary>
    public IntPtr Double { get; }
    /// <summary><c>MPI_INT64_T</c>.</summary>
    public IntPtr Int64 { get; }
    /// <summary><c>MPI_BYTE</c>.</summary>
    public IntPtr Byte { get; }
    /// <summary><c>MPI_SUM</c>.</summary>
    public IntPtr Sum { get; }
    private IntPtr ErrorsReturn { get; }

    /// <summary>
    /// Opens Open MPI's library (<c>libmpi.so.40</c>, else <c>libmpi.so</c>, or the path in <c>SHARPTUNE_MPI_LIBRARY</c>).
    /// </summary>
    public static MpiLibrary Load()
    {
        string[] candidates = Environment.GetEnvironmentVariable("SHARPTUNE_MPI_LIBRARY") is { Length: > 0 } path
            ? [path]
            : ["libmpi.so.40", "libmpi.so"];
        var errors = new List<string>();
        foreach (var name in candidates)
        {
            IntPtr h = DlOpen(name, RtldNow | RtldGlobal);
            if (h != IntPtr.Zero) return new MpiLibrary(h);
            errors.Add(Marshal.PtrToStringUTF8(DlError()) ?? name);
        }
        throw new SharpTuneException(
            $"cannot load Open MPI ({string.Join("; ", errors)}): install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; ./setup.sh does this) or set SHARPTUNE_MPI_LIBRARY to libmpi.so's path");
    }

    private IntPtr Export(string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new SharpTuneException($"the MPI library has no '{name}': SharpTune binds Open MPI (4.x or 5.x)");

    /// <summary>Initializes MPI (serialized threading: one thread at a time calls it) unless already done; errors on the world communicator return to the caller instead of aborting.</summary>
    public void Init()
    {
        int flag;
        Check(initialized(&flag), "MPI_Initialized", -1);
        if (flag == 0)
        {
            int provided;
            Check(initThread(null, IntPtr.Zero, ThreadSerialized, &provided), "MPI_Init_thread", -1);
        }
        Check(commSetErrhandler(CommWorld, ErrorsReturn), "MPI_Comm_set_errhandler", -1);
    }

    /// <summary>This process's rank in the world communicator.</summary>
    public int Rank()
    {
        int r;
        Check(commRank(CommWorld, &r), "MPI_Comm_rank", -1);
        return r;
    }

    /// <summary>The number of processes in the world communicator.</summary>
    public int Size()
    {
        int s;
        Check(commSize(CommWorld, &s), "MPI_Comm_size", -1);
        return s;
    }

    /// <summary><c>MPI_Allreduce</c> with <c>MPI_SUM</c>, in place.</summary>
    public void AllReduceSum(IntPtr buffer, int count, IntPtr datatype, int rank) =>
        Check(allreduce(InPlace, buffer, count, datatype, Sum, CommWorld), "MPI_Allreduce", rank);

    /// <summary><c>MPI_Reduce_scatter_block</c> with <c>MPI_SUM</c>: <paramref name="count"/> values land on each rank.</summary>
    public void ReduceScatterSum(IntPtr send, IntPtr receive, int count, IntPtr datatype, int rank) =>
        Check(reduceScatterBlock(send, receive, count, datatype, Sum, CommWorld), "MPI_Reduce_scatter_block", rank);

    /// <summary><c>MPI_Allgather</c>: <paramref name="count"/> values from each rank, in rank order.</summary>
    public void AllGather(IntPtr send, IntPtr receive, int count, IntPtr datatype, int rank) =>
        Check(allgather(send, count, datatype, receive, count, datatype, CommWorld), "MPI_Allgather", rank);

    /// <summary><c>MPI_Bcast</c> from <paramref name="root"/>.</summary>
    public void Broadcast(IntPtr buffer, int count, IntPtr datatype, int root, int rank) =>
        Check(bcast(buffer, count, datatype, root, CommWorld), "MPI_Bcast", rank);

    /// <summary><c>MPI_Barrier</c>.</summary>
    public void Barrier(int rank) => Check(barrier(CommWorld), "MPI_Barrier", rank);

    /// <summary><c>MPI_Abort</c>: ends every process of the job with <paramref name="code"/>.</summary>
    public void Abort(int code) => abort(CommWorld, code);

    /// <summary><c>MPI_Finalize</c>.</summary>
    public void Shutdown() => Check(finalize(), "MPI_Finalize", -1);

    private void Check(int code, string call, int rank)
    {
        if (code == 0) return;
        var text = new byte[512];
        int length = 0;
        fixed (byte* p = text)
            if (errorString(code, p, &length) != 0) length = 0;
        string message = length > 0 ? Encoding.UTF8.GetString(text, 0, Math.Min(length, text.Length)) : $"error code {code}";
        throw new SharpTuneException($"{call} failed{(rank >= 0 ? $" on rank {rank}" : "")}: {message}");
    }
}
