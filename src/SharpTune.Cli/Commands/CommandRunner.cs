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
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
