using System.CommandLine;
using SharpTune;
using SharpTune.Adapters;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune merge</c>: folds a peft LoRA adapter into its base model and writes a plain HF model folder.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = new Option<string>("--adapter") { Description = "a peft LoRA adapter folder (adapter_config.json + adapter_model.safetensors)", Required = true };
        var output = new Option<string>("--out") { Description = "folder to write the merged model to", Required = true };
        var dtype = new Option<string>("--dtype")
        {
            Description = "dtype of the saved weights: auto (the base model's torch_dtype), float32, bfloat16 or float16",
            DefaultValueFactory = _ => "auto",
        };
        var device = CommonOptions.Device();

        var command = new Command("merge", "Merge a LoRA adapter into its base model and save the result as an HF model folder.")
        {
            model, adapter, output, dtype, device,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string modelDir = result.GetValue(model)!, adapterDir = result.GetValue(adapter)!, outDir = result.GetValue(output)!;
            if (Path.GetFullPath(outDir).TrimEnd('/') == Path.GetFullPath(modelDir).TrimEnd('/'))
                throw new SharpTuneException("merge: --out must be a new folder, not the base model's own");
            if (Directory.Exists(adapterDir) && AdapterFolder.IsAdapter(adapterDir) && AdapterFolder.PeftType(adapterDir) is var peftType
                && SharpTune.Adapters.PromptLearning.PromptLearningConfig.IsPromptPeftType(peftType))
                throw new SharpTuneException($"merge: {adapterDir} is a {peftType} adapter: its virtual tokens are extra inputs, not a change to the weights, "
                    + "so there is nothing to merge; use it as it is (generate/chat/eval --model BASE --adapter DIR, or --model DIR)");
            var dev = Backend.ComputeDevice.Resolve(result.GetValue(device)!, "--device");
            var config = HfModelFolder.LoadConfig(modelDir);
            string dtypeName = result.GetValue(dtype)!;
            var saveDtype = dtypeName == "auto"
                ? (config.TorchDtype is { } stored ? DtypeNames.Parse(stored, $"{modelDir}/config.json: torch_dtype") : ScalarType.Float32)
                : DtypeNames.Parse(dtypeName, "--dtype");

            // Merge in float32 and round once when saving, rather than adding a bf16 update to bf16 weights.
            using var lm = HfModelFolder.Load(modelDir, dev, ScalarType.Float32);
            var lora = LoraModel.Load(lm, adapterDir);
            int layers = lora.Layers.Count;
            var saved = lora.ModulesToSave;
            lora.MergeAndUnload();
            HfModelFolder.Save(lm, outDir, saveDtype);
            int copied = HfModelFolder.CopyCompanionFiles([modelDir, adapterDir], outDir);

            string modules = saved.Count > 0 ? $" and {saved.Count} trained module(s) ({string.Join(", ", saved)})" : "";
            Console.WriteLine($"merged {layers} LoRA layers (r={lora.Config.R}, scaling {lora.Config.Scaling:G4}){modules} into {outDir}: "
                + $"{lm.ParameterCount():N0} parameters, {DtypeNames.ToHf(saveDtype)}" + (copied > 0 ? $", {copied} tokenizer/generation file(s) copied" : ""));
        }));
        return command;
    }
}
