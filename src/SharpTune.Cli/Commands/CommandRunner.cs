using SharpTune;

namespace SharpTune.Cli.Commands;

/// <summary>Runs a command body; a user error becomes one line on stderr and exit code 1, without a stack trace.</summary>
internal static class CommandRunner
{
    public static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (SharpTuneException e)
        {
            Console.Out.Flush();
            // In a multi-process run each rank says who it is.
            string rank = Environment.GetEnvironmentVariable(SharpTune.Distributed.ProcessGroup.EnvironmentVariable) is { Length: > 0 }
                && Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") is { } r ? $"rank {r}: " : "";
            Console.Error.WriteLine($"error: {rank}{e.Message}");
            return 1;
        }
    }
}
