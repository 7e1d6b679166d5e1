using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tests.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Cli;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_json_reports_throughput_mfu_memory_and_a_time_split_that_adds_up()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Range(0, 200).Select(i => $"The keeper lit lamp {i} as the boat {i % 7} came home.")));
        var (code, stdout, stderr) = CliProcess.Run("bench", "--preset", "tiny", "--set", "num_hidden_layers=1", "--set", "vocab_size=300", "--seq-len", "32",
            "--batch", "2", "--steps", "2", "--device", "cpu", "--json", "--data-text", dir.File("text.txt"));
        Assert.True(code == 0, stderr);
        var json = JsonNode.Parse(stdout.TrimEnd().Split('\n')[^1])!.AsObject();
        Assert.Equal("lora", (string)json["method"]!);
        Assert.True((double)json["tokens_per_second"]! > 0);
        Assert.True((double)json["matmul_peak_flops"]! > 1e8);
        double mfu = (double)json["mfu"]!;
        Assert.InRange(mfu, 1e-6, 1.0);
        // MFU is the model FLOP rate over the peak.
        Assert.Equal((double)json["flops_per_token"]! * (double)json["tokens_per_second"]! / (double)json["matmul_peak_flops"]!, mfu, 3);
        Assert.True((long)json["peak_memory_bytes"]! > 0);
        var split = json["time_split"]!.AsObject();
        Assert.Equal(1.0, split.Sum(p => (double)p.Value!), 2);
        Assert.True((long)json["trainable_parameters"]! < (long)json["parameters"]!);
        // The data pipeline read, tokenized (with a BPE vocabulary of the model's size learned first) and packed the text.
        double data = (double)json["data_tokens_per_second"]!;
        Assert.True(data > 0, stderr);
        Assert.Equal(data / (double)json["tokens_per_second"]!, (double)json["data_to_training_ratio"]!, 0);
        Assert.Contains("learning a 300-token BPE vocabulary", stderr);
    }

    [Fact]
    public void Bench_rejects_an_unknown_method_and_a_zero_batch()
    {
        var (code, _, stderr) = CliProcess.Run("bench", "--preset", "tiny", "--method", "ia3", "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("--method: expected full, lora or qlora, got 'ia3'", stderr);
        (code, _, stderr) = CliProcess.Run("bench", "--preset", "tiny", "--batch", "0");
        Assert.Equal(1, code);
        Assert.Contains("--batch: must be at least 1, got 0", stderr);
    }
}

public sealed class BenchNumericsTests
{
    [Fact]
    public void Numerics_writes_the_models_logits_and_the_lora_gradients_of_the_mean_loss()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("qwen2");
        HfModelFolder.Save(model, dir.File("model"));
        var lora = LoraModel.Inject(model, new LoraConfig { R = 2, Alpha = 4, TargetAllLinear = true }, seed: 3);
        using (no_grad())
            foreach (var layer in lora.Layers.Values) layer.LoraB.normal_(0, 0.1);
        lora.Save(dir.File("adapter"));

        long[,] ids = { { 1, 5, 9, 13 }, { 2, 6, 10, 14 } };
        var (code, _, stderr) = CliProcess.Run("bench", "numerics", "--model", dir.File("model"), "--adapter", dir.File("adapter"),
            "--ids", "1,5,9,13;2,6,10,14", "--out", dir.File("dump.safetensors"), "--device", "cpu");
        Assert.True(code == 0, stderr);

        var input = tensor(ids);
        var logits = model.Forward(input);
        CausalLmLoss.Sum(logits, input).div(6).backward();
        using var dump = SafetensorsFile.Open(dir.File("dump.safetensors"));
        Assert.True(dump.ReadTensor("logits").allclose(logits.detach(), rtol: 1e-5, atol: 1e-5));
        foreach (var (module, layer) in lora.Layers)
        {
            Assert.True(dump.ReadTensor($"base_model.model.{module}.lora_A.weight").allclose(layer.LoraA.grad!, rtol: 1e-4, atol: 1e-6), module);
            Assert.True(dump.ReadTensor($"base_model.model.{module}.lora_B.weight").allclose(layer.LoraB.grad!, rtol: 1e-4, atol: 1e-6), module);
        }
        Assert.Equal(1 + 2 * lora.Layers.Count, dump.Tensors.Count);
    }
}
