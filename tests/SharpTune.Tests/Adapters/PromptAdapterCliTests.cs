using SharpTune.Adapters;
using SharpTune.Adapters.PromptLearning;
using SharpTune.Inference;
using SharpTune.Models;
using SharpTune.Tests.Cli;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

/// <summary>generate and merge with a prompt-method adapter, through the CLI's one adapter-folder mechanism.</summary>
public sealed class PromptAdapterCliTests
{
    [Fact]
    public void Generate_applies_a_prefix_adapter_and_merge_refuses_it()
    {
        using var dir = new TempFolder();
        string modelDir = dir.File("base"), adapterDir = dir.File("adapter");
        var json = ModelPresets.Config("tiny", "llama");
        json["num_hidden_layers"] = 2;
        using (var init = new LlamaForCausalLM(ModelConfig.FromJson(json, "tiny")))
        {
            init.InitializeWeights(4);
            HfModelFolder.Save(init, modelDir);
        }
        long[] expected;
        using (var model = HfModelFolder.Load(modelDir, CPU, ScalarType.Float32))
        {
            manual_seed(2);
            var adapter = PromptLearningModel.Inject(model, new PromptLearningConfig
            {
                Method = AdapterKind.PrefixTuning, NumVirtualTokens = 3, PrefixProjection = true, BaseModelNameOrPath = modelDir,
            });
            adapter.Save(adapterDir);
            expected = new TextGenerator(model).Generate([256, 72, 105], new GenerationOptions { MaxNewTokens = 8 }).ToArray();
        }
        string want = string.Join(",", expected);
        var withAdapter = CliProcess.Run("generate", "--model", modelDir, "--adapter", adapterDir, "--prompt-ids", "256,72,105", "--max-new-tokens", "8", "--device", "cpu");
        Assert.True(withAdapter.ExitCode == 0, withAdapter.Stderr);
        Assert.Equal(want, withAdapter.Stdout.Trim());
        var asModel = CliProcess.Run("generate", "--model", adapterDir, "--prompt-ids", "256,72,105", "--max-new-tokens", "8", "--device", "cpu");
        Assert.True(asModel.ExitCode == 0, asModel.Stderr);
        Assert.Equal(want, asModel.Stdout.Trim());
        var plain = CliProcess.Run("generate", "--model", modelDir, "--prompt-ids", "256,72,105", "--max-new-tokens", "8", "--device", "cpu");
        Assert.NotEqual(want, plain.Stdout.Trim());

        var merge = CliProcess.Run("merge", "--model", modelDir, "--adapter", adapterDir, "--out", dir.File("merged"));
        Assert.Equal(1, merge.ExitCode);
        Assert.Contains("PREFIX_TUNING adapter", merge.Stderr);
        Assert.Contains("nothing to merge", merge.Stderr);
        Assert.False(Directory.Exists(dir.File("merged")));
    }
}
