using System.Text.Json.Nodes;

namespace SharpTune.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public void Init_model_then_generate_then_info()
    {
        using var dir = new TempFolder();
        var init = CliProcess.Run("init-model", "--arch", "qwen2", "--preset", "tiny", "--set", "num_hidden_layers=2", "--seed", "3", "--out", dir.Path);
        Assert.True(init.ExitCode == 0, init.Stderr);
        Assert.Contains("qwen2", init.Stdout);
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));

        var text = CliProcess.Run("generate", "--model", dir.Path, "--prompt", "Hello", "--max-new-tokens", "5");
        Assert.True(text.ExitCode == 0, text.Stderr);

        var ids1 = CliProcess.Run("generate", "--model", dir.Path, "--prompt-ids", "256,72,105", "--max-new-tokens", "6");
        var ids2 = CliProcess.Run("generate", "--model", dir.Path, "--prompt-ids", "256,72,105", "--max-new-tokens", "6");
        Assert.True(ids1.ExitCode == 0, ids1.Stderr);
        var generated = ids1.Stdout.Trim().Split(',').Select(long.Parse).ToList();
        Assert.InRange(generated.Count, 1, 6);
        Assert.Equal(ids1.Stdout, ids2.Stdout);

        var info = CliProcess.Run("info", "--model", dir.Path, "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
        var json = JsonNode.Parse(info.Stdout)!;
        Assert.Equal("Qwen2ForCausalLM", (string)json["architecture"]!);
        Assert.Equal(2, (int)json["num_hidden_layers"]!);
        long parameters = (long)json["parameters"]!;
        Assert.Equal(parameters * 4, (long)json["memory_bytes_fp32"]!);
        Assert.Equal(parameters, (long)json["stored_dtypes"]!["F32"]!);
    }

    [Fact]
    public void User_errors_are_one_clear_line_without_a_stack_trace()
    {
        using var dir = new TempFolder();
        var missing = CliProcess.Run("generate", "--model", dir.File("nope"), "--prompt", "x");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("error: ", missing.Stderr);
        Assert.Contains("model folder not found", missing.Stderr);
        Assert.DoesNotContain("   at ", missing.Stderr);

        var badSet = CliProcess.Run("init-model", "--set", "hiden_size=3", "--out", dir.Path);
        Assert.Equal(1, badSet.ExitCode);
        Assert.Contains("unknown config key 'hiden_size'", badSet.Stderr);

        var badDevice = CliProcess.Run("init-model", "--preset", "huge", "--out", dir.Path);
        Assert.Equal(1, badDevice.ExitCode);
        Assert.Contains("unknown preset 'huge'", badDevice.Stderr);
    }

    [Fact]
    public void Init_model_writes_a_bert_folder_that_loads_as_bert_for_masked_lm()
    {
        using var dir = new TempFolder();
        var init = CliProcess.Run("init-model", "--preset", "bert-tiny", "--set", "num_hidden_layers=1", "--set", "vocab_size=100", "--seed", "2", "--out", dir.Path);
        Assert.True(init.ExitCode == 0, init.Stderr);
        Assert.Contains("bert", init.Stdout);
        using var model = SharpTune.Models.Bert.BertModelFolder.Load(dir.Path, TorchSharp.torch.CPU, TorchSharp.torch.ScalarType.Float32);
        Assert.Equal(1, model.Config.NumHiddenLayers);
        Assert.Equal(100, model.Config.VocabSize);
        var wrongArch = CliProcess.Run("init-model", "--preset", "bert-tiny", "--arch", "llama", "--out", dir.File("x"));
        Assert.Equal(1, wrongArch.ExitCode);
        Assert.Contains("is a BERT encoder", wrongArch.Stderr);
    }
}
