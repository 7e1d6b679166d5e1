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

    /// <summary>The <c>vocab_size</c> the folder's config.json declares, whatever model it describes (decoder or BERT encoder).</summary>
    public static long DeclaredVocabSize(string folder)
    {
        string path = Path.Combine(folder, "config.json");
        var json = new ConfigJson(ConfigJson.ReadObject(path), path);
        return json.Long("vocab_size") ?? throw json.Missing("vocab_size");
    }

    /// <summary>
    /// Builds the model the folder describes on <paramref name="device"/> in <paramref name="dtype"/> and loads its
    /// weights (converted from their stored dtype). Missing, unexpected or misshapen tensors are errors that list them.
    /// </summary>
    public static LlamaForCausalLM Load(string folder, Device device, ScalarType dtype)
    {
        var config = LoadConfig(folder);
        var model = new LlamaForCausalLM(config, device, dtype);
        try
        {
            LoadParameters(model, folder, n => IsIgnorable(n, config), $"a {config.ModelType} model");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// A sequence classifier (reward model) from <paramref name="folder"/>: a saved one (with <c>score.weight</c>), or
    /// the trunk of a causal LM with a fresh score head of <paramref name="numLabels"/> outputs (seeded by
    /// <paramref name="seed"/>; its <c>lm_head</c> is dropped), as transformers' from_pretrained starts one.
    /// A config without pad_token_id gets <paramref name="padTokenId"/>: the head reads each row's last non-pad token.
    /// </summary>
    public static LlamaForSequenceClassification LoadSequenceClassifier(string folder, Device device, ScalarType dtype, int numLabels = 1, long seed = 0, long? padTokenId = null)
    {
        var config = LoadConfig(folder);
        if (config.PadTokenId is null && padTokenId is not null) config = config with { PadTokenId = padTokenId };
        bool hasScore;
        using (var reader = CheckpointReader.Open(folder))
        {
            hasScore = reader.Contains("score.weight");
            if (hasScore) numLabels = (int)reader.Info("score.weight").Shape[0];
        }
        var model = new LlamaForSequenceClassification(config, numLabels, device, dtype);
        if (!hasScore) model.InitializeScore(seed);
        LoadParameters(model, folder, n => n.StartsWith("lm_head.", StringComparison.Ordinal) || IsIgnorable(n, config),
            $"a {LlamaForSequenceClassification.ArchitectureOf(config)}", hasScore ? null : "score.");
        return model;
    }

    /// <summary>
    /// Copies the checkpoint in <paramref name="folder"/> into <paramref name="model"/>'s parameters by name (converted
    /// from their stored dtype). Missing, unexpected (unless <paramref name="ignorable"/>) or misshapen tensors are
    /// errors that list them; <paramref name="what"/> names the model in them. Parameters starting with
    /// <paramref name="skipPrefix"/> are left as they are (e.g. a fresh head the checkpoint does not have).
    /// </summary>
    internal static void LoadParameters(nn.Module model, string folder, Func<string, bool> ignorable, string what, string? skipPrefix = null)
    {
        using var reader = CheckpointReader.Open(folder);
        var parameters = model.named_parameters()
            .Where(p => skipPrefix is null || !p.name.StartsWith(skipPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.name, p => p.parameter);

        var missing = parameters.Keys.Where(n => !reader.Contains(n)).ToList();
        var unexpected = reader.Names.Where(n => !parameters.ContainsKey(n) && !ignorable(n)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new SharpTuneException(
                $"{folder}: the checkpoint does not match {what} with this config.json"
                + TensorNameList.Format("missing tensors", missing) + TensorNameList.Format("unexpected tensors", unexpected));

        var misshapen = parameters
            .Where(p => !reader.Info(p.Key).Shape.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key}: checkpoint [{string.Join(", ", reader.Info(p.Key).Shape)}], config expects [{string.Join(", ", p.Value.shape)}]")
            .ToList();
        if (misshapen.Count > 0)
            throw new SharpTuneException($"{folder}: tensor shapes do not match config.json" + TensorNameList.Format("mismatched", misshapen));

        using (no_grad())
        {
            foreach (var (name, param) in parameters)
            {
                using var stored = reader.ReadTensor(name);
                param.copy_(stored);
            }
        }
    }

    /// <summary>
    /// Writes config.json and the weights (in <paramref name="dtype"/>, default the model's), sharded above
    /// <paramref name="maxShardBytes"/>. Tied output weights are left out, as transformers does.
    /// </summary>
    public static void Save(LlamaForCausalLM model, string folder, ScalarType? dtype = null, long maxShardBytes = 5L << 30)
    {
        var saveDtype = dtype ?? model.Dtype;
        SaveParameters(model, folder, saveDtype, maxShardBytes);
        (model.Config with { TorchDtype = DtypeNames.ToHf(saveDtype) }).Save(Path.Combine(folder, "config.json"));
    }

    /// <summary>Writes <paramref name="model"/>'s parameters by name in <paramref name="dtype"/> as safetensors (sharded above <paramref name="maxShardBytes"/>).</summary>
    internal static void SaveParameters(nn.Module model, string folder, ScalarType dtype, long maxShardBytes)
    {
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().to(dtype).cpu()))
            .ToList();
        CheckpointWriter.Save(folder, tensors, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Writes a sequence classifier as transformers saves one: config.json naming its class and labels, and the weights with <c>score.weight</c>.</summary>
    public static void Save(LlamaForSequenceClassification model, string folder)
    {
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().cpu()))
            .ToList();
        CheckpointWriter.Save(folder, tensors, 5L << 30, new Dictionary<string, string> { ["format"] = "pt" });
        var json = model.ConfigJson();
        json["torch_dtype"] = DtypeNames.ToHf(model.Dtype);
        AtomicFile.WriteJson(Path.Combine(folder, "config.json"), json);
    }

    /// <summary>Files beside the weights that make a model folder usable (tokenizer, chat template, generation defaults).</summary>
    public static readonly IReadOnlyList<string> CompanionFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt",
        "added_tokens.json", "generation_config.json", "chat_template.jinja", "chat_template.json",
    ];

    /// <summary>
    /// Copies the <see cref="CompanionFiles"/> found in <paramref name="sources"/>, in order (a later folder's file
    /// replaces an earlier one's), into <paramref name="target"/>; returns how many distinct files were copied.
    /// </summary>
    /// <exception cref="SharpTuneException">A file could not be copied.</exception>
    public static int CopyCompanionFiles(IEnumerable<string> sources, string target)
    {
        var copied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
            foreach (var name in CompanionFiles)
            {
                string from = Path.Combine(source, name), to = Path.Combine(target, name);
                if (!File.Exists(from) || Path.GetFullPath(from) == Path.GetFullPath(to)) continue;
                try
                {
                    File.Copy(from, to, overwrite: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new SharpTuneException($"{from}: cannot copy to {target}: {e.Message}", e);
                }
                copied.Add(name);
            }
        return copied.Count;
    }
}
