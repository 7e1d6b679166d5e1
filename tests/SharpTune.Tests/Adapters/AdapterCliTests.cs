using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tests.Cli;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

public sealed class AdapterCliTests
{
    /// <summary>A tiny base model folder from the CLI, and a trained-looking adapter for it (random B, a retrained lm_head).</summary>
    private static (string Model, string Adapter) BaseAndAdapter(TempFolder dir)
    {
        string modelDir = dir.File("base"), adapterDir = dir.File("adapter");
        var json = ModelPresets.Config("tiny", "llama");
        json["num_hidden_layers"] = 2;
        using (var init = new LlamaForCausalLM(ModelConfig.FromJson(json, "tiny")))
        {
            init.InitializeWeights(4);
            HfModelFolder.Save(init, modelDir);
        }
        File.WriteAllText(Path.Combine(modelDir, "generation_config.json"), "{\"do_sample\": false}");
        using var model = HfModelFolder.Load(modelDir, CPU, ScalarType.Float32);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true, ModulesToSave = ["lm_head"], BaseModelNameOrPath = modelDir });
        LoraTestKit.Randomize(lora, seed: 8, std: 0.2);
        using (no_grad()) model.named_parameters().Single(p => p.name == "lm_head.weight").parameter.mul_(-1);
        lora.Save(adapterDir);
        return (modelDir, adapterDir);
    }

    [Fact]
    public void Merge_writes_the_base_model_with_the_updates_folded_in()
    {
        using var dir = new TempFolder();
        var (modelDir, adapterDir) = BaseAndAdapter(dir);
        string merged = dir.File("merged");
        var run = CliProcess.Run("merge", "--model", modelDir, "--adapter", adapterDir, "--out", merged, "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("merged 14 LoRA layers (r=4, scaling 2) and 1 trained module(s) (lm_head)", run.Stdout);
        Assert.True(File.Exists(Path.Combine(merged, "generation_config.json")));

        // The merged folder is a plain HF model: transformers' names only, and the weights W + 2·B·A.
        using var reader = CheckpointReader.Open(merged);
        Assert.DoesNotContain(reader.Names, n => n.Contains("lora_") || n.Contains("base_layer"));
        using var expected = HfModelFolder.Load(modelDir, CPU, ScalarType.Float32);
        LoraModel.Load(expected, adapterDir).MergeAndUnload();
        using var actual = HfModelFolder.Load(merged, CPU, ScalarType.Float32);
        var want = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in actual.named_parameters()) Assert.True(Tensors.Identical(want[name], p), name);
        using var baseModel = HfModelFolder.Load(modelDir, CPU, ScalarType.Float32);
        var baseWeight = baseModel.named_parameters().Single(p => p.name == "model.layers.1.mlp.down_proj.weight").parameter;
        Assert.False(Tensors.Identical(baseWeight, want["model.layers.1.mlp.down_proj.weight"]));
    }

    [Fact]
    public void Generate_with_an_adapter_matches_the_merged_model()
    {
        using var dir = new TempFolder();
        var (modelDir, adapterDir) = BaseAndAdapter(dir);
        string merged = dir.File("merged");
        Assert.Equal(0, CliProcess.Run("merge", "--model", modelDir, "--adapter", adapterDir, "--out", merged, "--dtype", "float32").ExitCode);

        string[] prompt = ["--prompt-ids", "256,72,105,108", "--max-new-tokens", "8", "--device", "cpu", "--dtype", "float32"];
        var adapted = CliProcess.Run(["generate", "--model", modelDir, "--adapter", adapterDir, .. prompt]);
        var fromMerged = CliProcess.Run(["generate", "--model", merged, .. prompt]);
        var plain = CliProcess.Run(["generate", "--model", modelDir, .. prompt]);
        Assert.True(adapted.ExitCode == 0, adapted.Stderr);
        Assert.Equal(fromMerged.Stdout, adapted.Stdout);
        Assert.NotEqual(plain.Stdout, adapted.Stdout);
    }

    [Fact]
    public void Bad_adapters_and_outputs_are_one_line_errors()
    {
        using var dir = new TempFolder();
        var (modelDir, adapterDir) = BaseAndAdapter(dir);
        File.WriteAllText(Path.Combine(adapterDir, "adapter_config.json"), "{\"peft_type\": \"LORA\", \"use_dora\": true}");
        var dora = CliProcess.Run("merge", "--model", modelDir, "--adapter", adapterDir, "--out", dir.File("out"));
        Assert.Equal(1, dora.ExitCode);
        Assert.StartsWith("error: ", dora.Stderr);
        Assert.Contains("DoRA (use_dora: true) is not supported", dora.Stderr);
        Assert.DoesNotContain("   at ", dora.Stderr);

        var missing = CliProcess.Run("generate", "--model", modelDir, "--adapter", dir.File("nope"), "--prompt-ids", "1");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("adapter folder not found", missing.Stderr);

        var inPlace = CliProcess.Run("merge", "--model", modelDir, "--adapter", adapterDir, "--out", modelDir);
        Assert.Equal(1, inPlace.ExitCode);
        Assert.Contains("--out must be a new folder", inPlace.Stderr);
    }
}
