using System.Diagnostics;

namespace SharpTune.Distributed;

/// <summary>
/// Starts a SharpTune command as several processes through Open MPI's launcher, <c>mpirun</c>: locally
/// (<c>--nproc N</c>) or across machines (with a hostfile, as mpirun reads it). Each process gets
/// <see cref="ProcessGroup.EnvironmentVariable"/>=mpi and the caller's library path; mpirun itself stops the whole job
/// when one process fails or is killed.
/// </summary>
public static class MpiLauncher
{
    /// <summary>The program to launch: <c>SHARPTUNE_MPIRUN</c>, else <c>mpirun</c> on PATH.</summary>
    public static string Program => Environment.GetEnvironmentVariable("SHARPTUNE_MPIRUN") is { Length: > 0 } p ? p : "mpirun";

    /// <summary>
    /// mpirun's arguments for <paramref name="processes"/> copies of <paramref name="command"/>: run as root only when
    /// this is root (as in containers and CI), more processes than cores allowed, no binding of a process to one core
    /// (each sets its own thread count), shared memory without the cross-memory-attach copy that containers forbid,
    /// and the environment the processes need.
    /// </summary>
    public static IReadOnlyList<string> Arguments(int processes, string? hostfile, IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (processes < 1) throw new SharpTuneException($"--nproc must be at least 1, got {processes}");
        var args = new List<string> { "-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (hostfile is not null)
        {
            if (!File.Exists(hostfile)) throw new SharpTuneException($"{hostfile}: hostfile not found");
            args.AddRange(["--hostfile", Path.GetFullPath(hostfile)]);
        }
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root") args.Add("--allow-run-as-root");
        args.AddRange(["--oversubscribe", "--bind-to", "none", "--mca", "btl_vader_single_copy_mechanism", "none"]);
        args.AddRange(["-x", $"{ProcessGroup.EnvironmentVariable}=mpi"]);
        // mpirun gives the ranks a pseudo-terminal for their output; with a real TERM, .NET's console then switches the
        // keypad mode and its escape codes land in the log. The ranks' output is a log, not a terminal.
        args.AddRange(["-x", "TERM=dumb"]);
        foreach (var name in new[] { "LD_LIBRARY_PATH", "PATH", "DOTNET_ROOT", "SHARPTUNE_LIBTORCH", "SHARPTUNE_NCCL_LIBRARY", "SHARPTUNE_MPI_LIBRARY" })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 }) args.AddRange(["-x", name]);
        args.AddRange(command);
        return args;
    }

    /// <summary>
    /// Runs <paramref name="command"/> (a program and its arguments) as <paramref name="processes"/> processes and
    /// waits; their output passes through. Returns mpirun's exit code (non-zero when any process failed).
    /// </summary>
    public static int Run(int processes, string? hostfile, IReadOnlyList<string> command)
    {
        var start = new ProcessStartInfo(Program) { UseShellExecute = false };
        foreach (var a in Arguments(processes, hostfile, command)) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SharpTuneException($"cannot start {Program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SharpTuneException($"cannot start {Program} ({e.Message}): install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; ./setup.sh does this) or set SHARPTUNE_MPIRUN");
        }
        using (process)
        {
            process.WaitForExit();
            return process.ExitCode;
        }
    }

    /// <summary>This very program and its entry assembly (<c>dotnet SharpTune.Cli.dll</c>), to launch again under mpirun.</summary>
    public static IReadOnlyList<string> CurrentProgram()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        string? entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        bool viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet" && !string.IsNullOrEmpty(entry);
        return viaDotnet ? [host, entry!] : [host];
    }
}
