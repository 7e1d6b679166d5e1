using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>The causal LM a run starts from (a model folder, or a fresh <c>preset:</c>), and restoring its trained values from a checkpoint — shared by the recipes.</summary>
public static class CausalLmModels
{
    /// <summary>
    /// Loads <c>base_model</c> in the dtype the run asks for; a <c>preset:NAME</c> is built fresh (with the config's
    /// overrides, and the vocabulary and special ids of <paramref name="learnedTokenizer"/> when one was learned) and
    /// initialised from the run's seed.
    /// </summary>
    public static LlamaForCausalLM Load(TrainConfig config, Device device, ITokenizer? learnedTokenizer = null)
    {
        var dtype = config.WeightDtype(device);
        const string prefix = "preset:";
        if (!config.BaseModel.StartsWith(prefix, StringComparison.Ordinal)) return HfModelFolder.Load(config.BaseModel, device, dtype);
        var json = ModelPresets.Config(config.BaseModel[prefix.Length..], null);
        if (learnedTokenizer is not null)
        {
            json["vocab_size"] = learnedTokenizer.VocabSize;
            json["bos_token_id"] = learnedTokenizer.BosId;
            json["eos_token_id"] = learnedTokenizer.EosId;
            json["pad_token_id"] = learnedTokenizer.PadId;
        }
        ModelPresets.WithOverrides(json, config.ModelConfigOverrides, $"{config.ConfigFile}: overrides_of_model_config");
        var modelConfig = ModelConfig.FromJson(json, "base_model");
        var model = new LlamaForCausalLM(modelConfig, device, dtype);
        model.InitializeWeights(config.Seed);
        return model;
    }

    /// <summary>Copies the trained values of <paramref name="model"/> from a checkpoint (or saved output) in <paramref name="folder"/>.</summary>
    public static void LoadTrainable(nn.Module model, LoraModel? lora, string folder) =>
        LoadTrainable(TrainableParameter.Of(model), lora, folder);

    /// <summary>Copies the trained values from <paramref name="folder"/>: the adapter's tensors for LoRA, else the <paramref name="trainable"/> parameters of the model folder.</summary>
    public static void LoadTrainable(IReadOnlyList<TrainableParameter> trainable, LoraModel? lora, string folder)
    {
        if (lora is not null)
        {
            lora.LoadWeights(folder);
            return;
        }
        using var reader = CheckpointReader.Open(folder);
        using var noGrad = no_grad();
        foreach (var p in trainable)
        {
            if (!reader.Contains(p.Name)) throw new SharpTuneException($"{folder}: the checkpoint has no '{p.Name}'");
            using var saved = reader.ReadTensor(p.Name);
            if (!saved.shape.SequenceEqual(p.Value.shape))
                throw new SharpTuneException($"{folder}: '{p.Name}' has shape [{string.Join(", ", saved.shape)}], the model has [{string.Join(", ", p.Value.shape)}]");
            p.Value.copy_(saved);
        }
    }
}
