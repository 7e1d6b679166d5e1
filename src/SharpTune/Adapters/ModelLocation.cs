using SharpTune.Models;
using SharpTune.Quantization;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// Where --model (and --adapter) point: a model folder with an optional peft adapter (LoRA, prompt, prefix or P-tuning), or an adapter folder
/// alone standing for its base model (adapter_config.json's base_model_name_or_path), as peft's AutoPeftModel reads
/// it. The tokenizer is the adapter folder's when it has a tokenizer.json (the trainer copies it there), else the model's.
/// </summary>
/// <param name="ModelFolder">The HF model folder with the base weights.</param>
/// <param name="AdapterFolder">The peft adapter to apply after loading (LoRA merged, prompt methods attached), if any.</param>
/// <param name="TokenizerFolder">Where tokenizer.json / tokenizer_config.json are read from.</param>
public sealed record ModelLocation(string ModelFolder, string? AdapterFolder, string TokenizerFolder)
{
    /// <summary>Resolves the --model and --adapter values.</summary>
    public static ModelLocation Resolve(string model, string? adapter)
    {
        if (!Directory.Exists(model)) throw new SharpTuneException($"{model}: model folder not found");
        if (SharpTune.Adapters.AdapterFolder.IsAdapter(model))
        {
            if (adapter is not null) throw new SharpTuneException($"--model {model} is an adapter folder; give its base model as --model to use --adapter {adapter}");
            string baseFolder;
            try
            {
                baseFolder = SharpTune.Adapters.AdapterFolder.BaseModel(model);
            }
            catch (SharpTuneException e)
            {
                throw new SharpTuneException($"{e.Message} (--model BASE_FOLDER --adapter {model})", e);
            }
            return new ModelLocation(baseFolder, model, TokenizerIn(model) ?? baseFolder);
        }
        return new ModelLocation(model, adapter, (adapter is null ? null : TokenizerIn(adapter)) ?? model);
    }

    /// <summary>
    /// Loads the model and applies the adapter as its peft_type says (see <see cref="SharpTune.Adapters.AdapterFolder.Apply"/>).
    /// A bitsandbytes-quantized folder (what <c>sharptune quantize</c> writes) loads with its linear layers still quantized,
    /// computing in <paramref name="dtype"/>.
    /// </summary>
    public LlamaForCausalLM Load(Device device, ScalarType dtype)
    {
        var model = BnbCheckpoint.ReadConfig(ModelFolder) is not null
            ? BnbCheckpoint.Load(ModelFolder, device, dtype, dtype)
            : HfModelFolder.Load(ModelFolder, device, dtype);
        try
        {
            if (AdapterFolder is not null) SharpTune.Adapters.AdapterFolder.Apply(model, AdapterFolder);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static string? TokenizerIn(string folder) =>
        File.Exists(Path.Combine(folder, SharpTune.Tokenization.HfTokenizer.FileName)) ? folder : null;
}
