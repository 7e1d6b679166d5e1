using System.Diagnostics;

namespace SharpTune.Tests.Cli;

/// <summary>Runs the built CLI (SharpTune.Cli.dll beside the tests) as a user would, capturing its output.</summary>
internal static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => RunWithInput(null, args);

    /// <summary>Runs the CLI with <paramref name="stdin"/> as its standard input (closed after it, so the CLI sees end of input).</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWithInput(string? stdin, params string[] args)
    {
        using var process = Start(args, redirectInput: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(true); throw new TimeoutException(string.Join(" ", args)); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI and returns at once (stdout and stderr redirected, for the caller to drain or ignore).</summary>
    public static Process Start(IEnumerable<string> args, bool redirectInput = false)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }
}
