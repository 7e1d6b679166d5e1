using System.Text.Json.Nodes;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

/// <summary>Runs that build on runs (base_model: run:), a fresh model with its own learned tokenizer, and what SFT leaves behind.</summary>
public sealed class TrainingRunsTests
{
    private const string Text = "the boat came home before dark. the sea was calm and the keeper lit the lamp. ";

    // A fresh, narrower model with a tokenizer learned from the text.
    private const string Pretrain = """
        base_model: preset:tiny
        overrides_of_model_config: {hidden_size: 48, num_hidden_layers: 2}
        train_tokenizer: {vocab_size: 300}
        datasets:
          - path: text.txt
            type: text
        sequence_len: 64
        micro_batch_size: 4
        max_steps: 4
        learning_rate: 0.003
        val_set_size: 0.1
        output_dir: base
        """;

    private const string Sft = """
        base_model: run:pretrain.yaml
        chat_template: chatml
        datasets:
          - generate: larger_number
            rows: 40
        val_set_size: 8
        sequence_len: 96
        micro_batch_size: 8
        max_steps: 3
        learning_rate: 0.003
        adapter: lora
        lora_r: 4
        lora_target_linear: true
        lora_modules_to_save: [embed_tokens, lm_head]
        output_dir: sft
        """;

    private static TempFolder Setup()
    {
        var dir = new TempFolder();
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat(Text, 30)));
        File.WriteAllText(dir.File("pretrain.yaml"), Pretrain);
        File.WriteAllText(dir.File("sft.yaml"), Sft);
        return dir;
    }

    private static JsonObject Train(TempFolder dir, string config, List<string> log, params string[] overrides) =>
        TrainingRuns.Train(dir.File(config), overrides, resume: false, log.Add);

    [Fact]
    public void A_run_trains_its_base_run_first_then_reuses_it_until_that_config_changes()
    {
        using var dir = Setup();
        var log = new List<string>();
        var summary = Train(dir, "sft.yaml", log);
        Assert.Contains(log, l => l.StartsWith("base model: training"));
        Assert.True(File.Exists(dir.File("base/summary.json")));
        Assert.True(File.Exists(dir.File("sft/adapter_model.safetensors")));
        Assert.Equal(0.0, (double)summary["accuracy_before"]!);
        Assert.NotNull(summary["accuracy_after"]);

        log.Clear();
        var baseWeights = File.ReadAllBytes(dir.File("base/model.safetensors"));
        Train(dir, "sft.yaml", log);
        Assert.Contains(log, l => l.Contains("already trained by"));
        Assert.Equal(baseWeights, File.ReadAllBytes(dir.File("base/model.safetensors")));

        log.Clear();
        File.AppendAllText(dir.File("pretrain.yaml"), "\nseed: 9\n");
        Train(dir, "sft.yaml", log);
        Assert.Contains(log, l => l.StartsWith("base model: training") && l.Contains("another version"));
    }

    [Fact]
    public void A_fresh_model_gets_the_learned_tokenizer_and_the_shape_overrides()
    {
        using var dir = Setup();
        var summary = Train(dir, "pretrain.yaml", []);
        Assert.Null(summary["accuracy_before"]); // exact match is an SFT measure
        var tokenizer = TokenizerLoader.ForModel(dir.File("base"), long.MaxValue);
        using var model = HfModelFolder.Load(dir.File("base"), CPU, ScalarType.Float32);
        Assert.Equal(300, tokenizer.VocabSize);
        Assert.Equal(tokenizer.VocabSize, model.Config.VocabSize);
        Assert.Equal(tokenizer.EosId, model.Config.EosTokenIds.Single());
        Assert.Equal(48, model.Config.HiddenSize);
        Assert.Equal(2, model.Config.NumHiddenLayers);
        Assert.Equal(48 / model.Config.NumAttentionHeads, model.Config.HeadDim); // head_dim follows the width
        Assert.Equal("the keeper", tokenizer.Decode(tokenizer.Encode("the keeper")));
    }

    [Fact]
    public void Sft_output_carries_the_chat_template_it_was_tuned_with()
    {
        using var dir = Setup();
        Train(dir, "sft.yaml", []);
        var config = TokenizerConfig.Load(dir.File("sft"));
        Assert.Contains("<|im_start|>", config.ChatTemplate);
        Assert.Null(TokenizerConfig.Load(dir.File("base")).ChatTemplate);
    }

    [Theory]
    [InlineData("sft.yaml", "base_model: run:missing.yaml", "the run config")]
    [InlineData("sft.yaml", "base_model: run:sft.yaml", "its own output")]
    [InlineData("loop.yaml", "base_model: run:sft.yaml", "goes round in a circle")]
    [InlineData("sft.yaml", "base_model: base\ntrain_tokenizer: {vocab_size: 300}", "train_tokenizer")]
    [InlineData("sft.yaml", "base_model: base\noverrides_of_model_config: {hidden_size: 32}", "overrides_of_model_config")]
    [InlineData("pretrain.yaml", "overrides_of_model_config: {hidden_sise: 32}", "unknown config key 'hidden_sise'")]
    [InlineData("pretrain.yaml", "train_tokenizer: {vocab_size: 100}", "vocab_size")]
    public void Bad_run_settings_are_named(string file, string change, string message)
    {
        using var dir = Setup();
        string original = file == "pretrain.yaml" ? Pretrain : Sft;
        var changed = string.Join("\n", original.Split('\n').Where(l => !change.Split('\n').Any(c => l.StartsWith(c.Split(':')[0] + ":"))));
        if (file == "loop.yaml")
        {
            // sft builds on loop, loop on sft.
            File.WriteAllText(dir.File("sft.yaml"), Sft.Replace("run:pretrain.yaml", "run:loop.yaml"));
            File.WriteAllText(dir.File("loop.yaml"), Sft.Replace("output_dir: sft", "output_dir: loop").Replace("run:pretrain.yaml", "run:sft.yaml"));
        }
        else File.WriteAllText(dir.File(file), change + "\n" + changed);
        var e = Assert.ThrowsAny<SharpTuneException>(() => Train(dir, file, []));
        Assert.Contains(message, e.Message);
    }
}
