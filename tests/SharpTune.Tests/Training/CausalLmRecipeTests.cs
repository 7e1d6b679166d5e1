using System.Text.Json.Nodes;
using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

[Collection(SeededRuns.Name)]
public sealed class CausalLmRecipeTests
{
    private const string Text = "the boat came home before dark. the sea was calm and the keeper lit the lamp. ";

    private static string WriteConfig(TempFolder dir, string body)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat(Text, 30)));
        PlusOneChats.Write(dir, 24);
        File.WriteAllText(dir.File("run.yaml"), body);
        return dir.File("run.yaml");
    }

    private const string Pretrain = """
        base_model: preset:tiny
        datasets:
          - path: text.txt
            type: text
        sequence_len: 64
        micro_batch_size: 4
        max_steps: 24
        eval_steps: 8
        learning_rate: 0.003
        lr_scheduler: constant
        val_set_size: 0.1
        output_dir: out
        """;

    private const string LoraSft = """
        base_model: base
        chat_template: chatml
        datasets:
          - path: chat.jsonl
            type: messages
        sequence_len: 96
        micro_batch_size: 4
        gradient_accumulation_steps: 2
        max_steps: 12
        save_steps: 4
        learning_rate: 0.01
        lr_scheduler: cosine
        warmup_steps: 2
        val_set_size: 4
        adapter: lora
        lora_r: 4
        lora_alpha: 8
        lora_dropout: 0.1
        lora_target_linear: true
        output_dir: out
        """;

    private static JsonObject Run(string config, string[]? overrides = null, bool resume = false, Action<TrainingProgress>? onStep = null) =>
        new CausalLmRecipe(TrainConfig.Load(config, overrides), _ => { }, onStep is null ? null : new SyncProgress(onStep)).Run(resume);


    /// <summary>A tiny base model folder to fine-tune, made by a short pretraining run.</summary>
    private static void MakeBase(TempFolder dir)
    {
        string path = WriteConfig(dir, Pretrain);
        Run(path, ["output_dir=base", "max_steps=6"]);
    }

    [Fact]
    public void Pretraining_lowers_the_validation_loss_and_writes_every_output()
    {
        using var dir = new TempFolder();
        var summary = Run(WriteConfig(dir, Pretrain));
        double before = (double)summary["initial_eval_loss"]!, after = (double)summary["final_eval_loss"]!;
        Assert.True(after < before - 1.0, $"eval loss {before} -> {after}");
        foreach (var file in new[] { "config.json", "model.safetensors", "metrics.jsonl", "learning_curve.png", "summary.json", "diagnosis.json" })
            Assert.True(File.Exists(dir.File("out/" + file)), file);
        Assert.NotNull(summary["diagnosis"]);
        Assert.True((double)summary["tokens_per_second"]! > 0);
        Assert.True((long)summary["peak_memory_bytes"]! > 0);
        Assert.Equal(24, (long)summary["steps"]!);
        Assert.NotEmpty(Directory.GetDirectories(dir.File("out/checkpoints"), "checkpoint-*"));
        using var model = HfModelFolder.Load(dir.File("out"), CPU, ScalarType.Float32);
        Assert.Equal(ModelPresets.Config("tiny", null)["hidden_size"]!.GetValue<long>(), model.Config.HiddenSize);
    }

    [Fact]
    public void Lora_sft_lowers_the_loss_leaves_the_base_untouched_and_writes_a_peft_adapter()
    {
        using var dir = new TempFolder();
        MakeBase(dir);
        var summary = Run(WriteConfig(dir, LoraSft));
        Assert.True((double)summary["final_eval_loss"]! < (double)summary["initial_eval_loss"]! - 0.3, summary.ToJsonString());
        Assert.True(File.Exists(dir.File("out/adapter_config.json")));
        Assert.True(File.Exists(dir.File("out/adapter_model.safetensors")));
        Assert.False(File.Exists(dir.File("out/model.safetensors")));
        // The base folder was read, never written: its weights are the ones it was saved with.
        using var before = HfModelFolder.Load(dir.File("base"), CPU, ScalarType.Float32);
        var adapter = SharpTune.IO.SafetensorsFile.Open(dir.File("out/adapter_model.safetensors"));
        Assert.Contains(adapter.Tensors, t => t.Name == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        Assert.True((long)summary["trainable_parameters"]! < (long)summary["total_parameters"]! / 5);
    }

    [Fact]
    public void Freeze_tuning_trains_only_the_chosen_layers()
    {
        using var dir = new TempFolder();
        MakeBase(dir);
        Run(WriteConfig(dir, Pretrain), ["base_model=base", "adapter=freeze", "freeze_trainable_layers=1", "max_steps=4"]);
        using var before = HfModelFolder.Load(dir.File("base"), CPU, ScalarType.Float32);
        using var after = HfModelFolder.Load(dir.File("out"), CPU, ScalarType.Float32);
        var b = before.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int lastLayer = (int)before.Config.NumHiddenLayers - 1;
        foreach (var (name, p) in after.named_parameters())
        {
            bool trained = name.StartsWith($"model.layers.{lastLayer}.", StringComparison.Ordinal);
            Assert.Equal(!trained, Tensors.Identical(b[name], p));
        }
    }

    [Fact]
    public void A_resumed_run_ends_with_the_same_adapter_as_an_uninterrupted_one()
    {
        using var dir = new TempFolder();
        MakeBase(dir);
        string config = WriteConfig(dir, LoraSft);
        Run(config, ["output_dir=whole"]);
        // Interrupt the second run after step 6 (the checkpoint at step 4 is the newest complete one), then resume it.
        Assert.Throws<OperationCanceledException>(() => Run(config, ["output_dir=cut"], onStep: p => { if (p.Step == 6) throw new OperationCanceledException(); }));
        Assert.True(Directory.Exists(dir.File("cut/checkpoints/checkpoint-4")));
        Run(config, ["output_dir=cut"], resume: true);
        Assert.Equal(File.ReadAllBytes(dir.File("whole/adapter_model.safetensors")), File.ReadAllBytes(dir.File("cut/adapter_model.safetensors")));
        var steps = SharpTune.Reporting.MetricsLog.Read(dir.File("cut/metrics.jsonl")).Where(r => r["loss"] is not null).Select(r => (long)r["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), steps);
    }

    [Fact]
    public void A_resumed_run_with_a_paged_8_bit_optimizer_ends_with_the_same_model()
    {
        // Full fine-tuning, so the embedding table (259×64 values) has 8-bit state; the norms keep float32 state.
        using var dir = new TempFolder();
        string config = WriteConfig(dir, Pretrain);
        string[] common = ["optimizer=paged_adamw_8bit", "max_steps=8", "save_steps=4", "eval_steps=4"];
        Run(config, [.. common, "output_dir=whole"]);
        Assert.Throws<OperationCanceledException>(() => Run(config, [.. common, "output_dir=cut"], onStep: p => { if (p.Step == 6) throw new OperationCanceledException(); }));
        using (var state = SharpTune.IO.SafetensorsFile.Open(dir.File("cut/checkpoints/checkpoint-4/optimizer.safetensors")))
            Assert.Equal(SharpTune.IO.SafetensorsDtype.U8, state.Info("model.embed_tokens.weight.state1").Dtype);
        Run(config, [.. common, "output_dir=cut"], resume: true);
        Assert.Equal(File.ReadAllBytes(dir.File("whole/model.safetensors")), File.ReadAllBytes(dir.File("cut/model.safetensors")));
    }

    [Fact]
    public void Accumulated_micro_batches_give_the_full_batchs_update()
    {
        using var dir = new TempFolder();
        MakeBase(dir);
        string config = WriteConfig(dir, LoraSft);
        string[] common = ["max_steps=1", "optimizer=sgd", "sgd_momentum=0", "lora_dropout=0", "warmup_steps=0", "lr_scheduler=constant"];
        Run(config, [.. common, "output_dir=full", "micro_batch_size=4", "gradient_accumulation_steps=1"]);
        Run(config, [.. common, "output_dir=accumulated", "micro_batch_size=1", "gradient_accumulation_steps=4"]);
        using var a = SharpTune.IO.SafetensorsFile.Open(dir.File("full/adapter_model.safetensors"));
        using var b = SharpTune.IO.SafetensorsFile.Open(dir.File("accumulated/adapter_model.safetensors"));
        foreach (var t in a.Tensors)
        {
            using var x = a.ReadTensor(t.Name);
            using var y = b.ReadTensor(t.Name);
            Assert.True((x - y).abs().max().item<float>() < 1e-5, t.Name);
        }
    }

    [Theory]
    [InlineData("max_step: 3\n", "run.yaml:13: unknown key 'max_step'")]
    [InlineData("logging_steps: many\n", "run.yaml:13: logging_steps: expected an integer")]
    [InlineData("optimizer: lion\n", "run.yaml:13: optimizer: expected adamw")]
    [InlineData("optimizer: adamw_torch_8bit\n", "run.yaml:13: optimizer: expected adamw (adamw_torch, adamw_torch_fused), sgd, adamw_8bit")]
    [InlineData("warmup_ratio: 0.1\nwarmup_steps: 3\n", "give warmup_steps or warmup_ratio, not both")]
    [InlineData("early_stopping_patience: 2\nval_set_size: 0\n", "early_stopping_patience: needs a validation set")]
    public void Config_errors_name_the_file_line_and_key(string extra, string message)
    {
        using var dir = new TempFolder();
        string body = Pretrain.Replace("val_set_size: 0.1\n", extra.Contains("val_set_size") ? "" : "val_set_size: 0.1\n") + "\n" + extra;
        var e = Assert.Throws<SharpTuneException>(() => TrainConfig.Load(WriteConfig(dir, body)));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void Set_overrides_any_key_with_a_yaml_value()
    {
        using var dir = new TempFolder();
        var config = TrainConfig.Load(WriteConfig(dir, Pretrain), ["learning_rate=1e-4", "datasets=[{path: chat.jsonl, type: messages}]", "stage=sft"]);
        Assert.Equal(1e-4, config.LearningRate);
        Assert.Equal(SharpTune.Data.DatasetFormat.Messages, Assert.Single(config.Data.Datasets).Format);
    }
}
