using System.CommandLine;
using SharpTune.Distributed;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>--nproc N</c> and <c>--hostfile FILE</c>: run a command as N processes through mpirun. The first process that
/// sees them starts mpirun with the same command line less these two options; the processes mpirun starts find
/// themselves in a <see cref="ProcessGroup"/> (by <see cref="ProcessGroup.EnvironmentVariable"/>) instead.
/// </summary>
internal sealed class DistributedLaunch
{
    public Option<int> Processes { get; } = new("--nproc")
    {
        Description = "run as this many data-parallel processes through mpirun (Open MPI); with --hostfile, across the machines it lists",
        DefaultValueFactory = _ => 1,
    };

    public Option<string?> Hostfile { get; } = new("--hostfile")
    {
        Description = "an Open MPI hostfile (one 'HOST slots=N' per line) for a run across several machines",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Processes);
        command.Options.Add(Hostfile);
    }

    /// <summary>
    /// When --nproc asks for more than one process and this is not one of them yet: runs the command under mpirun and
    /// returns its exit code; otherwise null (run here).
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="afterFailure">What the user can do when the job stopped, e.g. how to resume.</param>
    public int? LaunchIfAsked(ParseResult result, string afterFailure = "")
    {
        int processes = result.GetValue(Processes);
        string? hostfile = result.GetValue(Hostfile);
        if (processes < 1) throw new SharpTuneException($"--nproc: must be at least 1, got {processes}");
        if (Environment.GetEnvironmentVariable(ProcessGroup.EnvironmentVariable) is { Length: > 0 }) return null;
        if (processes == 1 && hostfile is null) return null;
        var command = MpiLauncher.CurrentProgram().Concat(WithoutLaunchOptions(Environment.GetCommandLineArgs().Skip(1))).ToList();
        int code = MpiLauncher.Run(processes, hostfile, command);
        if (code != 0)
            throw new SharpTuneException(
                $"the job of {processes} processes stopped (mpirun exit code {code}; the lines above say which rank failed and why){afterFailure}");
        return 0;
    }

    private static IEnumerable<string> WithoutLaunchOptions(IEnumerable<string> args)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string a = e.Current;
            if (a is "--nproc" or "--hostfile") { e.MoveNext(); continue; }
            if (a.StartsWith("--nproc=", StringComparison.Ordinal) || a.StartsWith("--hostfile=", StringComparison.Ordinal)) continue;
            yield return a;
        }
    }
}
