namespace SharpTune.Config;

/// <summary>
/// A <c>run:OTHER.yaml</c> value (of <c>base_model</c>, <c>teacher_model</c>): a model that is another run's output,
/// trained first when it is missing or stale.
/// </summary>
public static class RunReference
{
    /// <summary>The prefix that marks a run reference.</summary>
    public const string Prefix = "run:";

    /// <summary>The resolved path of the config that <paramref name="value"/> of <paramref name="key"/> names, or null when it is no run reference.</summary>
    /// <exception cref="SharpTuneException">The file does not exist, or is the config itself.</exception>
    public static string? ConfigOf(YamlConfigFile config, string key, string value)
    {
        if (!value.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        string file = Path.GetFullPath(Path.Combine(config.Folder, value[Prefix.Length..].Trim()));
        if (!File.Exists(file)) throw config.Root.Error(key, $"the run config {file} does not exist");
        if (file == Path.GetFullPath(config.Path)) throw config.Root.Error(key, "a run cannot start from its own output");
        return file;
    }

    /// <summary>The resolved <c>output_dir</c> of the run config <paramref name="run"/>.</summary>
    public static string OutputDirOf(YamlConfigFile config, string key, string run)
    {
        var other = YamlConfigFile.Load(run);
        string dir = other.Root.String("output_dir") ?? throw config.Root.Error(key, $"{run} has no output_dir to take the model from");
        return Path.GetFullPath(Path.Combine(other.Folder, dir));
    }
}
