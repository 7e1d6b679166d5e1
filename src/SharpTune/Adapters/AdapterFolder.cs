namespace SharpTune.Adapters;

/// <summary>
/// A peft adapter folder (<c>adapter_config.json</c> beside the weights) standing for its base model with the
/// adapter applied, as peft's AutoPeftModel reads one: the base is <c>base_model_name_or_path</c>.
/// </summary>
public static class AdapterFolder
{
    /// <summary>Whether <paramref name="folder"/> holds a peft adapter (has <c>adapter_config.json</c>).</summary>
    public static bool IsAdapter(string folder) => File.Exists(Path.Combine(folder, LoraModel.ConfigFileName));

    /// <summary>
    /// The base model folder of the adapter in <paramref name="folder"/>: <c>base_model_name_or_path</c> as given
    /// (relative to the working folder), else, when relative, relative to the adapter folder.
    /// </summary>
    /// <exception cref="SharpTuneException">The config is unreadable, names no base, or the base is not a folder here (SharpTune never downloads models).</exception>
    public static string BaseModel(string folder)
    {
        string configPath = Path.Combine(folder, LoraModel.ConfigFileName);
        string? name = PeftAdapterConfig.Read(configPath).BaseModelNameOrPath;
        if (string.IsNullOrWhiteSpace(name))
            throw new SharpTuneException($"{configPath}: base_model_name_or_path is not set, so the base model is unknown; load the base model and apply this adapter to it");
        if (name.StartsWith("preset:", StringComparison.Ordinal))
            throw new SharpTuneException($"{configPath}: base_model_name_or_path is '{name}', a freshly initialised model whose weights were never saved; load the base model and apply this adapter to it");
        if (Directory.Exists(name)) return name;
        bool relative = !Path.IsPathRooted(name);
        if (relative && Directory.Exists(Path.Combine(folder, name))) return Path.GetFullPath(Path.Combine(folder, name));
        throw new SharpTuneException($"{configPath}: base model '{name}' (base_model_name_or_path) not found as a folder"
            + (relative ? $" here or relative to {folder}" : "") + "; SharpTune does not download models: load the base model from its folder and apply this adapter to it");
    }
}
