using System.CommandLine;
using SharpTune.Backend;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Cli.Commands;

/// <summary>Options several commands share, and how they resolve.</summary>
internal static class CommonOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "auto (CUDA when available), cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary><c>--set key=value</c>, repeatable: overrides a run config's key with a YAML value.</summary>
    public static Option<string[]> ConfigOverrides() => new("--set")
    {
        Description = "override a config key with a YAML value, e.g. --set learning_rate=1e-4 --set \"datasets=[{path: x.jsonl, type: alpaca}]\"",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    public static Option<string> Dtype() => new("--dtype")
    {
        Description = "auto (fp32 on CPU, bf16 on CUDA), float32, bfloat16 or float16",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string> Model() => new("--model")
    {
        Description = "an HF model folder (config.json + model.safetensors or shards)",
        Required = true,
    };

    public static Option<string> ModelOrAdapter() => new("--model")
    {
        Description = "an HF model folder (config.json + model.safetensors or shards), or a peft LoRA adapter folder whose adapter_config.json names its base model folder",
        Required = true,
    };

    public static Option<string?> Adapter() => new("--adapter")
    {
        Description = "a peft LoRA adapter folder to apply (merged into the weights after loading)",
    };

    public static (Device Device, ScalarType Dtype) Resolve(string device, string dtype)
    {
        var dev = ComputeDevice.Resolve(device, "--device");
        var type = dtype == "auto" ? ComputeDevice.DefaultDtype(dev) : DtypeNames.Parse(dtype, "--dtype");
        return (dev, type);
    }

    /// <summary>Reads a <c>--set key=value</c> assignment.</summary>
    public static KeyValuePair<string, string> ParseSet(string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new SharpTuneException($"--set: expected key=value, got '{assignment}'");
        return KeyValuePair.Create(assignment[..eq].Trim(), assignment[(eq + 1)..].Trim());
    }
}
