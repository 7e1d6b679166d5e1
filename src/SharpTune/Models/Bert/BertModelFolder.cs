using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>
/// Loads and saves BERT masked-LM model folders (<c>config.json</c> with <c>model_type: bert</c> + safetensors) as
/// transformers reads and writes BertForMaskedLM: the tied decoder weight and bias are not stored, and a
/// BertForPreTraining checkpoint's pooler and next-sentence head, which this model has no use for, are skipped.
/// </summary>
public static class BertModelFolder
{
    /// <summary>Checkpoint entries that a BertForMaskedLM does not hold as parameters of its own.</summary>
    internal static bool IsIgnorable(string name) =>
        name is "cls.predictions.decoder.weight" or "cls.predictions.decoder.bias" or "bert.embeddings.position_ids"
        || name.StartsWith("bert.pooler.", StringComparison.Ordinal)
        || name.StartsWith("cls.seq_relationship.", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="folder"/> holds a BERT model (its config.json says <c>model_type: bert</c>).</summary>
    public static bool IsBert(string folder) => BertConfig.IsBert(Path.Combine(folder, "config.json"));

    /// <summary>Builds the model the folder describes and loads its weights; mismatched checkpoints are errors that list the tensors.</summary>
    public static BertForMaskedLM Load(string folder, Device device, ScalarType dtype)
    {
        if (!Directory.Exists(folder)) throw new SharpTuneException($"{folder}: model folder not found");
        var config = BertConfig.Load(Path.Combine(folder, "config.json"));
        var model = new BertForMaskedLM(config, device, dtype);
        try
        {
            HfModelFolder.LoadParameters(model, folder, IsIgnorable, "a bert masked-LM model");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Writes config.json and the weights (in <paramref name="dtype"/>, default the model's), sharded above <paramref name="maxShardBytes"/>.</summary>
    public static void Save(BertForMaskedLM model, string folder, ScalarType? dtype = null, long maxShardBytes = 5L << 30)
    {
        var saveDtype = dtype ?? model.Dtype;
        HfModelFolder.SaveParameters(model, folder, saveDtype, maxShardBytes);
        (model.Config with { TorchDtype = DtypeNames.ToHf(saveDtype) }).Save(Path.Combine(folder, "config.json"));
    }
}
