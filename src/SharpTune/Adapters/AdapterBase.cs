namespace SharpTune.Adapters;

/// <summary>
/// Finds the base model of a peft adapter folder, so that an adapter folder alone can stand for "this base model
/// with this adapter applied": the <c>base_model_name_or_path</c> of its <c>adapter_config.json</c>, as a folder.
/// </summary>
public static class AdapterBase
{
    /// <summary>Whether <paramref name="folder"/> is an adapter folder (it holds <c>adapter_config.json</c>).</summary>
    public static bool IsAdapterFolder(string folder) => File.Exists(Path.Combine(folder, LoraModel.ConfigFileName));

    /// <summary>
    /// The full path of the base model folder of the adapter in <paramref name="adapterFolder"/>:
    /// <c>base_model_name_or_path</c> as given (relative to the working folder) when that folder exists, else
    /// relative to the adapter folder (where trainers that write relative paths mean it).
    /// </summary>
    /// <exception cref="SharpTuneException">The adapter config is missing or invalid, has no <c>base_model_name_or_path</c>, or it names no local folder (e.g. a Hub id).</exception>
    public static string Resolve(string adapterFolder)
    {
        string configPath = Path.Combine(adapterFolder, LoraModel.ConfigFileName);
        string? name = PeftAdapterConfig.Read(configPath).BaseModelNameOrPath;
        if (string.IsNullOrWhiteSpace(name))
            throw new SharpTuneException($"{configPath}: no base_model_name_or_path, so the base model is unknown; load the base model folder and apply this adapter to it");
        if (Directory.Exists(name)) return Path.GetFullPath(name);
        string besideAdapter = Path.GetFullPath(Path.Combine(adapterFolder, name));
        if (Directory.Exists(besideAdapter)) return besideAdapter;
        throw new SharpTuneException(
            $"{configPath}: base_model_name_or_path '{name}' is not a local folder (looked for {Path.GetFullPath(name)} and {besideAdapter}); "
            + "load the base model folder and apply this adapter to it");
    }
}
