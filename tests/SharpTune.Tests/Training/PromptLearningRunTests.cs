using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Training;

namespace SharpTune.Tests.Training;

/// <summary>The recipe with the prompt methods: config keys, exact resume of a trained encoder, and the CLI's refusal to merge.</summary>
[Collection(SeededRuns.Name)]
public sealed class PromptLearningRunTests
{
    private const string Pretrain = """
        base_model: preset:tiny
        datasets:
          - path: text.txt
            type: text
        sequence_len: 48
        micro_batch_size: 4
        max_steps: 4
        learning_rate: 0.003
        val_set_size: 0.1
        output_dir: base
        """;

    private const string PrefixSft = """
        base_model: base
        chat_template: chatml
        datasets:
          - path: chat.jsonl
            type: messages
        sequence_len: 128
        micro_batch_size: 4
        max_steps: 8
        save_steps: 4
        learning_rate: 0.01
        lr_scheduler: cosine
        val_set_size: 4
        adapter: prefix_tuning
        num_virtual_tokens: 4
        prefix_projection: true
        encoder_hidden_size: 16
        output_dir: out
        """;

    private static string Write(TempFolder dir, string name, string body)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat("the boat came home before dark. the sea was calm. ", 30)));
        PlusOneChats.Write(dir, 20);
        File.WriteAllText(dir.File(name), body);
        return dir.File(name);
    }

    private static JsonObject Run(string config, string[]? overrides = null, bool resume = false, Action<TrainingProgress>? onStep = null) =>
        new CausalLmRecipe(TrainConfig.Load(config, overrides), _ => { }, onStep is null ? null : new SyncProgress(onStep)).Run(resume);


    [Fact]
    public void A_resumed_prefix_tuning_run_ends_with_the_same_adapter_and_encoder()
    {
        using var dir = new TempFolder();
        Run(Write(dir, "base.yaml", Pretrain));
        string config = Write(dir, "run.yaml", PrefixSft);
        var summary = Run(config, ["output_dir=whole"]);
        Assert.Equal("prefix_tuning", (string)summary["method"]!);
        Assert.Equal("PREFIX_TUNING", AdapterFolder.PeftType(dir.File("whole")));
        Assert.Throws<OperationCanceledException>(() => Run(config, ["output_dir=cut"], onStep: p => { if (p.Step == 6) throw new OperationCanceledException(); }));
        Run(config, ["output_dir=cut"], resume: true);
        foreach (string file in new[] { "adapter_model.safetensors", "prompt_encoder.safetensors", "adapter_config.json" })
            Assert.Equal(File.ReadAllBytes(dir.File($"whole/{file}")), File.ReadAllBytes(dir.File($"cut/{file}")));
    }

    [Theory]
    [InlineData("adapter: lora\nnum_virtual_tokens: 4\n", "run.yaml:2: num_virtual_tokens: applies to adapter prompt_tuning or prefix_tuning or p_tuning, not lora")]
    [InlineData("adapter: prompt_tuning\nprefix_projection: true\n", "prefix_projection: applies to adapter prefix_tuning, not prompt_tuning")]
    [InlineData("adapter: prompt_tuning\nprompt_tuning_init: TEXT\n", "prompt_tuning_init: TEXT needs prompt_tuning_init_text")]
    [InlineData("adapter: p_tuning\nencoder_reparameterization_type: GRU\n", "encoder_reparameterization_type: 'GRU' is not supported (use MLP or LSTM)")]
    [InlineData("adapter: prefix_tuning\nnum_virtual_tokens: 0\n", "num_virtual_tokens: must be between 1 and 100000")]
    public void Prompt_method_config_errors_name_the_key(string yaml, string message)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("run.yaml"), yaml);
        var e = Assert.Throws<SharpTuneException>(() => AdapterSettings.FromYaml(SharpTune.Config.YamlConfigFile.Load(dir.File("run.yaml"))));
        Assert.Contains(message, e.Message);
    }
}
