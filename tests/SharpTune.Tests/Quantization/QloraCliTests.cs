using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Tests.Adapters;
using SharpTune.Tests.Cli;
using static TorchSharp.torch;

namespace SharpTune.Tests.Quantization;

/// <summary>quantize, info --load-in-4bit and merge of a QLoRA adapter through the CLI.</summary>
public sealed class QloraCliTests
{
    private static string MakeBase(TempFolder dir)
    {
        string modelDir = dir.File("base");
        var json = ModelPresets.Config("tiny", "llama");
        json["num_hidden_layers"] = 2;
        using var init = new LlamaForCausalLM(ModelConfig.FromJson(json, "tiny"));
        init.InitializeWeights(4);
        HfModelFolder.Save(init, modelDir);
        return modelDir;
    }

    [Fact]
    public void Quantize_then_info_reports_the_stored_bits_and_merge_folds_a_qlora_adapter_into_a_16_bit_model()
    {
        using var dir = new TempFolder();
        string baseDir = MakeBase(dir), quantized = dir.File("base-bnb-4bit"), adapterDir = dir.File("adapter");
        var run = CliProcess.Run("quantize", "--model", baseDir, "--out", quantized, "--double-quant");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("quantized 14 linear layers", run.Stdout);

        var info = CliProcess.Run("info", "--model", baseDir, "--load-in-4bit", "--double-quant", "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
        var stored = CliProcess.Run("info", "--model", quantized, "--load-in-4bit", "--json");
        double estimated = JsonNode.Parse(info.Stdout)!["bits_per_parameter"]!.GetValue<double>();
        Assert.Equal(estimated, JsonNode.Parse(stored.Stdout)!["bits_per_parameter"]!.GetValue<double>());
        using (var model = HfModelFolder.Load(baseDir, CPU, ScalarType.Float32))
        {
            var weights = model.named_parameters()
                .Where(p => p.name.StartsWith("model.layers.", StringComparison.Ordinal) && p.parameter.dim() == 2)
                .Select(p => p.parameter.numel()).ToList();
            Assert.Equal(14, weights.Count);
            double expected = weights.Sum(n => Quantized4BitWeight.StorageBitsFor(n, true)) / (double)weights.Sum();
            Assert.Equal(Math.Round(expected, 4), estimated);
        }

        // A trained-looking QLoRA adapter on the quantized folder; the merged model must give the adapted logits.
        Tensor adapted;
        using (var model = BnbCheckpoint.Load(quantized, CPU, ScalarType.Float32))
        {
            var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true, BaseModelNameOrPath = quantized });
            LoraTestKit.Randomize(lora, seed: 8, std: 0.2);
            lora.Save(adapterDir);
            adapted = LoraTestKit.Logits(model);
        }
        string merged32 = dir.File("merged32"), merged = dir.File("merged");
        var m32 = CliProcess.Run("merge", "--model", quantized, "--adapter", adapterDir, "--out", merged32, "--dtype", "float32", "--device", "cpu");
        Assert.True(m32.ExitCode == 0, m32.Stderr);
        Assert.Contains("base dequantized from nf4", m32.Stdout);
        using (var model = HfModelFolder.Load(merged32, CPU, ScalarType.Float32))
        using (var logits = LoraTestKit.Logits(model))
            Assert.True(logits.allclose(adapted, rtol: 1e-4, atol: 1e-4), $"max diff {(logits - adapted).abs().max().item<float>()}");

        // generate reads the quantized folder as it is (layers stay 4-bit) with the adapter, and continues as the merged model does.
        var fromQuantized = CliProcess.Run("generate", "--model", quantized, "--adapter", adapterDir, "--prompt-ids", "1,2,3", "--max-new-tokens", "5", "--device", "cpu");
        Assert.True(fromQuantized.ExitCode == 0, fromQuantized.Stderr);
        var fromMerged = CliProcess.Run("generate", "--model", merged32, "--prompt-ids", "1,2,3", "--max-new-tokens", "5", "--device", "cpu");
        Assert.Equal(fromMerged.Stdout, fromQuantized.Stdout);

        var m16 = CliProcess.Run("merge", "--model", quantized, "--adapter", adapterDir, "--out", merged, "--device", "cpu");
        Assert.True(m16.ExitCode == 0, m16.Stderr);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(merged, "config.json")))!.AsObject();
        Assert.Equal("bfloat16", config["torch_dtype"]!.GetValue<string>());
        Assert.False(config.ContainsKey("quantization_config"));
        adapted.Dispose();
    }
}
