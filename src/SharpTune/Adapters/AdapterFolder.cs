using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Adapters.PromptLearning;
using SharpTune.IO;
using SharpTune.Models;

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
        string? name = new ConfigJson(ReadConfig(configPath), configPath).String("base_model_name_or_path");
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

    /// <summary>The adapter's <c>peft_type</c> (LORA, PROMPT_TUNING, PREFIX_TUNING, P_TUNING, ...).</summary>
    /// <exception cref="SharpTuneException">adapter_config.json is missing, unreadable or has no peft_type.</exception>
    public static string PeftType(string folder)
    {
        string configPath = Path.Combine(folder, LoraModel.ConfigFileName);
        var json = new ConfigJson(ReadConfig(configPath), configPath);
        return json.String("peft_type") ?? throw json.Missing("peft_type");
    }

    /// <summary>
    /// Applies the adapter in <paramref name="folder"/> to <paramref name="model"/> for inference, as its peft_type says:
    /// LoRA is merged into the weights; a prompt method (prompt / prefix / P-tuning) is attached as the model's virtual
    /// tokens. Returns a description for logs.
    /// </summary>
    /// <exception cref="SharpTuneException">The adapter is malformed, of an unsupported type, or made for another model shape.</exception>
    public static string Apply(LlamaForCausalLM model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Directory.Exists(folder)) throw new SharpTuneException($"{folder}: adapter folder not found");
        string type = PeftType(folder);
        if (PromptLearningConfig.IsPromptPeftType(type))
        {
            var prompt = PromptLearningModel.Load(model, folder);
            return $"{type} adapter, {prompt.Config.NumVirtualTokens} virtual tokens";
        }
        var lora = LoraModel.Load(model, folder);
        int layers = lora.Layers.Count;
        lora.MergeAndUnload();
        return $"LORA adapter merged into {layers} layers";
    }

    /// <summary>Parses an adapter_config.json (size-bounded), naming the file in every error.</summary>
    internal static JsonObject ReadConfig(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: adapter config not found");
        try
        {
            long length = new FileInfo(path).Length;
            if (length > PeftAdapterConfig.MaxFileBytes) throw new SharpTuneException($"{path}: {length} bytes is too large for an adapter config (limit {PeftAdapterConfig.MaxFileBytes})");
            return JsonNode.Parse(File.ReadAllText(path, Encoding.UTF8)) as JsonObject ?? throw new SharpTuneException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: not valid JSON: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneException($"{path}: cannot read: {e.Message}", e);
        }
    }
}
