using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Tokenization;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>The causal LM a run starts from (a model folder, or a fresh <c>preset:</c>), and restoring its trained values from a checkpoint — shared by the recipes.</summary>
public static class CausalLmModels
{
    /// <summary>
    /// Loads <c>base_model</c> in the dtype the run asks for (<see cref="WeightDtype"/>), quantized when the config asks
    /// for a quantized base (or as stored, from a bitsandbytes folder); a <c>preset:NAME</c> is built fresh (with the
    /// config's overrides, and the vocabulary and special ids of <paramref name="learnedTokenizer"/> when one was
    /// learned) and initialised from the run's seed.
    /// </summary>
    public static LlamaForCausalLM Load(TrainConfig config, Device device, Action<string> log, ITokenizer? learnedTokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dtype = WeightDtype.For(config, device.type);
        const string prefix = "preset:";
        if (!config.BaseModel.StartsWith(prefix, StringComparison.Ordinal))
        {
            if (BnbCheckpoint.ReadConfig(config.BaseModel) is { } stored)
            {
                // A bitsandbytes-quantized folder: its layers load quantized as they were saved.
                if (config.Adapter.Kind != AdapterKind.Lora)
                    throw new SharpTuneException($"{config.ConfigFile}: base_model {config.BaseModel} is quantized ({stored.Type}); only an adapter (adapter: qlora or lora) trains on it");
                var loaded = BnbCheckpoint.Load(config.BaseModel, device, dtype, config.Adapter.Quantization?.ComputeDtype);
                log($"base model: {ModelQuantizer.QuantizedLayers(loaded).Count} linear layers loaded pre-quantized ({stored.Type.ToString().ToLowerInvariant()}{(stored.DoubleQuant ? ", double quantization" : "")})");
                return loaded;
            }
            return Quantize(HfModelFolder.Load(config.BaseModel, device, dtype), config, log);
        }
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
        return Quantize(model, config, log);
    }

    /// <summary>Quantizes the base model's linear layers (all but lm_head) when the config asks for a quantized base.</summary>
    private static LlamaForCausalLM Quantize(LlamaForCausalLM model, TrainConfig config, Action<string> log)
    {
        if (config.Adapter.Quantization is not { } quantization) return model;
        int layers = ModelQuantizer.Quantize(model, quantization);
        string how = quantization.Is4Bit ? $"{quantization.Type.ToString().ToLowerInvariant()}{(quantization.DoubleQuant ? " with double quantization" : "")}" : "int8 rows";
        log($"base model: {layers} linear layers quantized to {how}, computing in {DtypeNames.ToHf(quantization.ComputeDtype)}");
        return model;
    }

    /// <summary>Copies the trained values of <paramref name="model"/> from a checkpoint (or saved output) in <paramref name="folder"/>.</summary>
    public static void LoadTrainable(nn.Module model, IPeftAdapter? adapter, string folder) =>
        LoadTrainable(TrainableParameter.Of(model), adapter, folder);

    /// <summary>Copies the trained values from <paramref name="folder"/>: the adapter's tensors for a peft adapter, else the <paramref name="trainable"/> parameters of the model folder.</summary>
    public static void LoadTrainable(IReadOnlyList<TrainableParameter> trainable, IPeftAdapter? adapter, string folder)
    {
        if (adapter is not null)
        {
            adapter.LoadWeights(folder);
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
