using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

[Collection(SeededRuns.Name)]
public sealed class DistillRecipeTests
{
    private const string Text = "the boat came home before dark. the sea was calm and the keeper lit the lamp. ";

    /// <summary>A teacher pretrained briefly on a repeated text and a fresh student, both tiny byte-tokenizer models.</summary>
    private static void MakeModels(TempFolder dir)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat(Text, 30)));
        File.WriteAllText(dir.File("teacher.yaml"), """
            base_model: preset:tiny
            datasets:
              - path: text.txt
                type: text
            sequence_len: 64
            micro_batch_size: 4
            max_steps: 16
            learning_rate: 0.003
            lr_scheduler: constant
            output_dir: teacher
            """);
        TrainingRuns.Train(dir.File("teacher.yaml"), [], false, _ => { });
        using var student = new LlamaForCausalLM(ModelConfig.FromJson(ModelPresets.Config("tiny", null), "tiny"));
        student.InitializeWeights(9);
        HfModelFolder.Save(student, dir.File("student"));
    }

    private static string Config(TempFolder dir, string extra)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat(Text, 30)));
        File.WriteAllText(dir.File("distill.yaml"), $"""
            base_model: student
            stage: distill
            teacher_model: teacher
            kd_alpha: 0.5
            kd_temperature: 2.0
            datasets:
              - path: text.txt
                type: text
            val_set_size: 0.1
            sequence_len: 64
            micro_batch_size: 4
            max_steps: 8
            learning_rate: 0.003
            lr_scheduler: constant
            output_dir: out
            {extra}
            """);
        return dir.File("distill.yaml");
    }

    [Fact]
    public void Distillation_on_the_fly_and_from_the_top_k_cache_lowers_the_loss_and_reports_the_sft_baseline()
    {
        using var dir = new TempFolder();
        MakeModels(dir);
        var lines = new List<string>();
        var summary = TrainingRuns.Train(Config(dir, "kd_sft_baseline: true"), [], false, lines.Add);
        Assert.True((double)summary["final_eval_loss"]! < (double)summary["initial_eval_loss"]! - 0.3, summary.ToJsonString());
        Assert.Equal("distill", (string)summary["stage"]!);
        Assert.NotNull(summary["student_sft_eval_loss"]);
        Assert.NotNull(summary["teacher_eval_loss"]);
        Assert.True(File.Exists(dir.File("out/sft_baseline/summary.json")));
        Assert.True(File.Exists(dir.File("out/model.safetensors")));

        var cached = TrainingRuns.Train(Config(dir, "kd_top_k: 16"), ["output_dir=cached"], false, lines.Add);
        Assert.True((double)cached["final_eval_loss"]! < (double)cached["initial_eval_loss"]! - 0.3, cached.ToJsonString());
        Assert.Single(Directory.GetFiles(dir.File("cached/kd_cache"), "teacher-top16-*.safetensors"));
        lines.Clear();
        TrainingRuns.Train(Config(dir, $"kd_top_k: 16\nkd_cache_dir: cached/kd_cache"), ["output_dir=again", "max_steps=1"], false, lines.Add);
        Assert.Contains(lines, l => l.Contains("reusing the top-16 cache", StringComparison.Ordinal));
    }

    [Fact]
    public void A_teacher_with_another_tokenizer_is_refused()
    {
        using var dir = new TempFolder();
        using (var m = new LlamaForCausalLM(ModelConfig.FromJson(ModelPresets.Config("tiny", null), "tiny")))
        {
            m.InitializeWeights(1);
            HfModelFolder.Save(m, dir.File("student"));
            HfModelFolder.Save(m, dir.File("teacher"));
        }
        File.WriteAllText(dir.File("teacher/tokenizer.json"), "{}");
        var e = Assert.Throws<SharpTuneException>(() => TrainingRuns.Train(Config(dir, ""), [], false, _ => { }));
        Assert.Contains("do not share a tokenizer", e.Message);
    }

    [Fact]
    public void Distillation_keys_are_checked()
    {
        using var dir = new TempFolder();
        string path = Config(dir, "");
        Assert.Contains("kd_alpha", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["kd_alpha=1.5"])).Message);
        Assert.Contains("kd_temperature", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["kd_temperature=0"])).Message);
        Assert.Contains("teacher_model", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["stage=sft"])).Message);
        Assert.Contains("kd_top_k", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["kd_top_k=8", "sample_packing=true"])).Message);
    }
}
