using System.Globalization;
using System.Security.Cryptography;

namespace SharpTune.Training.Checkpoints;

/// <summary>
/// The checkpoints of a run, in <c>output_dir/checkpoints/checkpoint-STEP</c>. A checkpoint is written in a
/// hidden temporary folder with its <see cref="TrainerState"/> last, then renamed into place, so a folder named
/// checkpoint-STEP is always complete and a half-written one is never picked up.
/// </summary>
public sealed class CheckpointStore(string outputDir)
{
    private const string Prefix = "checkpoint-";

    /// <summary>The folder holding the checkpoints.</summary>
    public string Folder { get; } = Path.Combine(outputDir, "checkpoints");

    /// <summary>The folder of the checkpoint at <paramref name="step"/>.</summary>
    public string PathOf(long step) => Path.Combine(Folder, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes the checkpoint for <paramref name="state"/>: <paramref name="writeContents"/> fills a temporary folder
    /// (weights, optimizer state, ...), the state goes in last, and the folder is renamed to checkpoint-STEP.
    /// </summary>
    public string Save(TrainerState state, Action<string> writeContents)
    {
        Directory.CreateDirectory(Folder);
        string temp = Path.Combine(Folder, ".partial-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(temp);
        try
        {
            writeContents(temp);
            state.Save(temp);
            string target = PathOf(state.GlobalStep);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(temp, target);
            return target;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The steps of the complete checkpoints, oldest first.</summary>
    public IReadOnlyList<long> Steps()
    {
        if (!Directory.Exists(Folder)) return [];
        var steps = new List<long>();
        foreach (var dir in Directory.EnumerateDirectories(Folder, Prefix + "*"))
        {
            string suffix = Path.GetFileName(dir)[Prefix.Length..];
            if (long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out long step)
                && File.Exists(Path.Combine(dir, TrainerState.FileName)))
                steps.Add(step);
        }
        steps.Sort();
        return steps;
    }

    /// <summary>The newest complete checkpoint's folder, or null when there is none.</summary>
    public string? Latest() => Steps() is { Count: > 0 } steps ? PathOf(steps[^1]) : null;

    /// <summary>
    /// Keeps the newest <paramref name="limit"/> checkpoints (all when null) and the one at <paramref name="keepStep"/>
    /// (the best so far), deleting the others and any temporary folders a killed run left behind.
    /// </summary>
    public void Prune(int? limit, long? keepStep)
    {
        if (!Directory.Exists(Folder)) return;
        foreach (var partial in Directory.EnumerateDirectories(Folder, ".partial-*")) TryDelete(partial);
        if (limit is not { } keep) return;
        var steps = Steps();
        foreach (long step in steps.Take(Math.Max(0, steps.Count - keep)).Where(s => s != keepStep))
            TryDelete(PathOf(step));
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover folder is tidied by the next prune.
        }
    }
}
