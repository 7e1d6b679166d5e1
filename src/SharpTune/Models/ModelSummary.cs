using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Models;

/// <summary>What a model folder holds, read from config.json and the safetensors headers without loading weights.</summary>
public sealed record ModelSummary(ModelConfig Config, long Parameters, IReadOnlyDictionary<string, long> StoredDtypes)
{
    /// <summary>Reads <paramref name="folder"/>'s config and checkpoint headers.</summary>
    public static ModelSummary Read(string folder)
    {
        var config = HfModelFolder.LoadConfig(folder);
        using var reader = CheckpointReader.Open(folder);
        long total = 0;
        var dtypes = new SortedDictionary<string, long>();
        foreach (var name in reader.Names.Where(n => !HfModelFolder.IsIgnorable(n, config)))
        {
            var info = reader.Info(name);
            long count = info.ElementCount;
            total += count;
            string dtype = info.Dtype.ToString();
            dtypes[dtype] = dtypes.GetValueOrDefault(dtype) + count;
        }
        return new ModelSummary(config, total, dtypes);
    }

    /// <summary>Bytes the parameters take at 4 bytes each.</summary>
    public long Fp32Bytes => Parameters * 4;

    /// <summary>Bytes the parameters take at 2 bytes each.</summary>
    public long Bf16Bytes => Parameters * 2;

    /// <summary>The summary as one JSON object (the output of <c>sharptune info --json</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["architecture"] = Config.ArchitectureName,
        ["model_type"] = Config.ModelType,
        ["num_hidden_layers"] = Config.NumHiddenLayers,
        ["hidden_size"] = Config.HiddenSize,
        ["intermediate_size"] = Config.IntermediateSize,
        ["num_attention_heads"] = Config.NumAttentionHeads,
        ["num_key_value_heads"] = Config.NumKeyValueHeads,
        ["head_dim"] = Config.HeadDim,
        ["vocab_size"] = Config.VocabSize,
        ["tie_word_embeddings"] = Config.TieWordEmbeddings,
        ["parameters"] = Parameters,
        ["stored_dtypes"] = new JsonObject(StoredDtypes.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
        ["memory_bytes_fp32"] = Fp32Bytes,
        ["memory_bytes_bf16"] = Bf16Bytes,
    };
}
