using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Loads and saves HF model folders (<c>config.json</c> + <c>model.safetensors</c> or shards with
/// <c>model.safetensors.index.json</c>) as transformers reads and writes them.
/// </summary>
public static class HfModelFolder
{
    /// <summary>Checkpoint entries transformers once saved that carry nothing we need.</summary>
    internal static bool IsIgnorable(string name, ModelConfig config) =>
        name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)
        || (config.TieWordEmbeddings && name == "lm_head.weight");

    /// <summary>Reads the folder's config.json.</summary>
    public static ModelConfig LoadConfig(string folder)
    {
        if (!Directory.Exists(folder)) throw new SharpTuneException($"{folder}: model folder not found");
        return ModelConfig.Load(Path.Combine(folder, "config.json"));
    }

    /// <summary>
    /// Builds the model the folder describes on <paramref name="device"/> in <paramref name="dtype"/> and loads its
    /// weights (converted from their stored dtype). Missing, unexpected or misshapen tensors are errors that list them.
    /// </summary>
    public static LlamaForCausalLM Load(string folder, Device device, ScalarType dtype)
    {
        var config = LoadConfig(folder);
        using var reader = CheckpointReader.Open(folder);
        var model = new LlamaForCausalLM(config, device, dtype);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        var missing = parameters.Keys.Where(n => !reader.Contains(n)).ToList();
        var unexpected = reader.Names.Where(n => !parameters.ContainsKey(n) && !IsIgnorable(n, config)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new SharpTuneException(
                $"{folder}: the checkpoint does not match a {config.ModelType} model with this config.json"
                + NameList("missing tensors", missing) + NameList("unexpected tensors", unexpected));

        var misshapen = parameters
            .Where(p => !reader.Info(p.Key).Shape.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key}: checkpoint [{string.Join(", ", reader.Info(p.Key).Shape)}], config expects [{string.Join(", ", p.Value.shape)}]")
            .ToList();
        if (misshapen.Count > 0)
            throw new SharpTuneException($"{folder}: tensor shapes do not match config.json" + NameList("mismatched", misshapen));

        using (no_grad())
        {
            foreach (var (name, param) in parameters)
            {
                using var stored = reader.ReadTensor(name);
                param.copy_(stored);
            }
        }
        return model;
    }

    /// <summary>
    /// Writes config.json and the weights (in <paramref name="dtype"/>, default the model's), sharded above
    /// <paramref name="maxShardBytes"/>. Tied output weights are left out, as transformers does.
    /// </summary>
    public static void Save(LlamaForCausalLM model, string folder, ScalarType? dtype = null, long maxShardBytes = 5L << 30)
    {
        Directory.CreateDirectory(folder);
        var saveDtype = dtype ?? model.Dtype;
        var config = model.Config with { TorchDtype = DtypeNames.ToHf(saveDtype) };
        using var scope = NewDisposeScope();
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().to(saveDtype).cpu()))
            .ToList();
        CheckpointWriter.Save(folder, tensors, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        config.Save(Path.Combine(folder, "config.json"));
    }

    private static string NameList(string label, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return "";
        const int shown = 20;
        var list = string.Join("\n  ", names.Take(shown));
        var more = names.Count > shown ? $"\n  ... and {names.Count - shown} more" : "";
        return $"\n{label} ({names.Count}):\n  {list}{more}";
    }
}
