using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune;
using SharpTune.Models;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune init-model</c>: writes a randomly initialised HF model folder.</summary>
internal static class InitModelCommand
{
    public static Command Create()
    {
        var arch = new Option<string?>("--arch") { Description = "llama, qwen2 or mistral (default: the preset's own)" };
        var preset = new Option<string>("--preset")
        {
            Description = $"shape: {string.Join(", ", ModelPresets.Names.Keys)}",
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
            var json = ModelPresets.Config(result.GetValue(preset)!, result.GetValue(arch));
            var changed = (result.GetValue(set) ?? []).Select(assignment => ApplySet(json, assignment)).ToHashSet();
            if (!changed.Contains("head_dim") && (changed.Contains("hidden_size") || changed.Contains("num_attention_heads"))
                && json["hidden_size"] is JsonValue h && h.TryGetValue(out long hidden)
                && json["num_attention_heads"] is JsonValue n && n.TryGetValue(out long heads) && heads > 0)
                json["head_dim"] = hidden / heads; // head_dim follows the width unless set explicitly
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

    private static string ApplySet(JsonObject json, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new SharpTuneException($"--set: expected key=value, got '{assignment}'");
        string key = assignment[..eq].Trim(), raw = assignment[(eq + 1)..].Trim();
        if (!json.ContainsKey(key))
            throw new SharpTuneException($"--set: unknown config key '{key}' (keys: {string.Join(", ", json.Select(p => p.Key).Order())})");
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(raw);
        }
        catch (JsonException)
        {
            value = JsonValue.Create(raw);
        }
        json[key] = value;
        return key;
    }
}
