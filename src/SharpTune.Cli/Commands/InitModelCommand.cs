using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune;
using SharpTune.Models;
using SharpTune.Models.Bert;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune init-model</c>: writes a randomly initialised HF model folder.</summary>
internal static class InitModelCommand
{
    public static Command Create()
    {
        var arch = new Option<string?>("--arch") { Description = "llama, qwen2 or mistral (default: the preset's own)" };
        var preset = new Option<string>("--preset")
        {
            Description = $"shape: {string.Join(", ", ModelPresets.Names.Keys.Concat(BertPresets.Names))}",
            DefaultValueFactory = _ => "tiny",
        };
        var set = new Option<string[]>("--set")
        {
            Description = "override a config.json key, e.g. --set num_hidden_layers=2 (value read as JSON, else as a string)",
            AllowMultipleArgumentsPerToken = false,
        };
        var dtype = new Option<string>("--dtype") { Description = "dtype of the saved weights", DefaultValueFactory = _ => "float32" };
        var seed = new Option<long>("--seed") { Description = "seed of the random initialisation", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "folder to write", Required = true };

        var command = new Command("init-model", "Write a random-initialised HF model folder (config.json + model.safetensors).")
        {
            arch, preset, set, dtype, seed, output,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            if (BertPresets.Has(result.GetValue(preset)!))
            {
                InitBert(result.GetValue(preset)!, result.GetValue(arch), (result.GetValue(set) ?? []).Select(CommonOptions.ParseSet),
                    DtypeNames.Parse(result.GetValue(dtype)!, "--dtype"), result.GetValue(seed), result.GetValue(output)!);
                return;
            }
            var json = ModelPresets.Config(result.GetValue(preset)!, result.GetValue(arch));
            ModelPresets.WithOverrides(json, (result.GetValue(set) ?? []).Select(CommonOptions.ParseSet), "--set");
            var config = ModelConfig.FromJson(json, "--preset/--set");
            var saveDtype = DtypeNames.Parse(result.GetValue(dtype)!, "--dtype");
            string folder = result.GetValue(output)!;

            using var model = new LlamaForCausalLM(config);
            model.InitializeWeights(result.GetValue(seed));
            HfModelFolder.Save(model, folder, saveDtype);
            Console.WriteLine($"wrote {folder}: {config.ModelType}, {model.ParameterCount():N0} parameters, {DtypeNames.ToHf(saveDtype)}");
        }));
        return command;
    }

    /// <summary>A BertForMaskedLM folder from a BERT preset (transformers' initialisation, the pad row of the embeddings zero).</summary>
    private static void InitBert(string preset, string? arch, IEnumerable<KeyValuePair<string, string>> sets, TorchSharp.torch.ScalarType dtype, long seed, string folder)
    {
        if (arch is not null && arch != "bert") throw new SharpTuneException($"--arch: preset '{preset}' is a BERT encoder; --arch {arch} does not apply");
        var json = BertPresets.Config(preset);
        ModelPresets.WithOverrides(json, sets, "--set");
        var config = BertConfig.FromJson(json, "--preset/--set");
        using var model = new BertForMaskedLM(config);
        model.InitializeWeights(seed);
        BertModelFolder.Save(model, folder, dtype);
        Console.WriteLine($"wrote {folder}: bert, {model.parameters().Sum(p => p.numel()):N0} parameters, {DtypeNames.ToHf(dtype)}");
    }
}
