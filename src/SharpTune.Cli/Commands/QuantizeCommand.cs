using System.CommandLine;
using SharpTune.Models;
using SharpTune.Quantization;
using static TorchSharp.torch;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune quantize</c>: writes a model folder quantized as transformers saves bitsandbytes models.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--out") { Description = "folder to write the quantized model to", Required = true };
        var quantization = new QuantizationOptions();
        var command = new Command("quantize",
            "Quantize a model's linear layers (all but lm_head) to NF4/FP4 or int8 and save it in bitsandbytes' layout (a \"-bnb-4bit\" folder).")
        {
            model, output,
        };
        quantization.AddTo(command);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string modelDir = result.GetValue(model)!, outDir = result.GetValue(output)!;
            if (Path.GetFullPath(outDir).TrimEnd('/') == Path.GetFullPath(modelDir).TrimEnd('/'))
                throw new SharpTuneException("quantize: --out must be a new folder, not the model's own");
            var config = quantization.Read(result);
            var stored = HfModelFolder.LoadConfig(modelDir);
            var dtype = stored.TorchDtype is { } name ? DtypeNames.Parse(name, $"{modelDir}/config.json: torch_dtype") : ScalarType.Float32;
            using var lm = HfModelFolder.Load(modelDir, CPU, dtype);
            int layers = ModelQuantizer.Quantize(lm, config);
            BnbCheckpoint.Save(lm, outDir, config);
            int copied = HfModelFolder.CopyCompanionFiles([modelDir], outDir);
            var footprint = QuantizedFootprint.Read(outDir, config);
            Console.WriteLine($"quantized {layers} linear layers ({footprint.Parameters:N0} weights) to {config.Type.ToString().ToLowerInvariant()}"
                + (config.DoubleQuant ? " with double quantization" : "")
                + $": {footprint.BitsPerParameter:F3} bits per weight; wrote {outDir}" + (copied > 0 ? $" ({copied} tokenizer/generation file(s) copied)" : ""));
        }));
        return command;
    }
}
