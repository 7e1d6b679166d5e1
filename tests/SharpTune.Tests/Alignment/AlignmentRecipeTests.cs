using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Reporting;
using SharpTune.Tests.Models;
using SharpTune.Tests.Training;
using SharpTune.Training;
using SharpTune.Training.Alignment;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Alignment;

/// <summary>Each alignment stage, end to end on a tiny model for a few steps: the stage's metric moves the right way.</summary>
[Collection(SeededRuns.Name)]
public sealed class AlignmentRecipeTests
{
    private const string Pairs = """
        base_model: preset:tiny
        chat_template: chatml
        datasets:
          - generate: larger_number_preference
            rows: 40
        val_set_size: 8
        sequence_len: 256
        micro_batch_size: 8
        max_steps: 4
        eval_steps: 2
        learning_rate: 0.001
        output_dir: out
        """;

    private static JsonObject Train(TempFolder dir, string body)
    {
        File.WriteAllText(dir.File("run.yaml"), body);
        return TrainingRuns.Train(dir.File("run.yaml"), [], resume: false, _ => { });
    }

    /// <summary>Runs <paramref name="body"/> into output_dir <paramref name="output"/>; <paramref name="stopAt"/> interrupts it when that step is reported.</summary>
    private static void RunUntil(TempFolder dir, string body, string output, long? stopAt = null, bool resume = false)
    {
        File.WriteAllText(dir.File("run.yaml"), body);
        var progress = new SyncProgress(p => { if (p.Step == stopAt) throw new OperationCanceledException(); });
        TrainingRuns.Train(dir.File("run.yaml"), [$"output_dir={output}"], resume, _ => { }, progress);
    }

    /// <summary>A reward model folder: the tiny preset's trunk (seeded) with a fresh score head.</summary>
    private static void SaveRewardModel(string folder)
    {
        var config = ModelConfig.FromJson(ModelPresets.Config("tiny", null), "tiny");
        using var reward = new LlamaForSequenceClassification(config with { PadTokenId = 0 });
        using var causal = new LlamaForCausalLM(config);
        causal.InitializeWeights(3);
        using (no_grad())
            foreach (var (name, p) in reward.named_parameters())
                if (name != "score.weight") p.copy_(causal.named_parameters().First(q => q.name == name).parameter);
        reward.InitializeScore(4);
        HfModelFolder.Save(reward, folder);
    }

    private static double Number(JsonObject summary, string key) => summary[key]!.GetValue<double>();

    [Fact]
    public void Reward_training_lowers_the_held_out_loss_and_saves_a_loadable_reward_model()
    {
        using var dir = new TempFolder();
        var summary = Train(dir, Pairs + "\nstage: reward\n");
        Assert.True(Number(summary, "eval_loss_after") < Number(summary, "eval_loss_before"), summary.ToJsonString());
        Assert.InRange(Number(summary, "pairwise_accuracy_after"), 0, 1); // 8 held-out pairs after 4 steps: too few for the accuracy to be a reliable signal
        Assert.True(Number(summary, "reward_margin_after") > Number(summary, "reward_margin_before"));
        using var model = HfModelFolder.LoadSequenceClassifier(dir.File("out"), CPU, ScalarType.Float32);
        Assert.Equal(1, model.NumLabels);
        Assert.True(File.Exists(dir.File("out/learning_curve.png")));
        Assert.Contains(MetricsLog.Read(dir.File("out/metrics.jsonl")), r => r["eval_accuracy"] is not null && r["step"]!.GetValue<long>() == 4);
    }

    [Fact]
    public void Dpo_with_lora_raises_the_implicit_reward_margin_and_accuracy()
    {
        using var dir = new TempFolder();
        var summary = Train(dir, Pairs + "\nrl: dpo\nrl_beta: 0.1\nadapter: lora\nlora_r: 4\nlora_alpha: 8\nlora_target_linear: true\n");
        Assert.Equal("adapter disabled", summary["reference"]!.GetValue<string>());
        Assert.Equal(0, Number(summary, "reward_margin_before"), 6); // the policy starts as the reference
        Assert.True(Number(summary, "reward_margin_after") > 0, summary.ToJsonString());
        Assert.True(Number(summary, "reward_accuracy_after") > Number(summary, "reward_accuracy_before"), summary.ToJsonString());
        Assert.True(File.Exists(dir.File("out/adapter_model.safetensors")));
    }

    [Theory]
    [InlineData("rl: dpo\nrl_beta: 0.1\n", 3L)]
    [InlineData("stage: ppo\nreward_model: rm\nrollout_batch_size: 4\nppo_epochs: 2\nmax_new_tokens: 8\n", 3L)]
    public void A_killed_alignment_run_resumes_to_the_uninterrupted_adapter(string stage, long stopAt)
    {
        using var dir = new TempFolder();
        if (stage.Contains("ppo", StringComparison.Ordinal)) SaveRewardModel(dir.File("rm"));
        string body = Pairs.Replace("max_steps: 4", "max_steps: 4\nsave_steps: 2").Replace("micro_batch_size: 8", "micro_batch_size: 2")
            + "\n" + stage + "adapter: lora\nlora_r: 4\nlora_alpha: 8\nlora_target_linear: true\n";
        RunUntil(dir, body, "whole");
        Assert.Throws<OperationCanceledException>(() => RunUntil(dir, body, "cut", stopAt));
        Assert.True(Directory.Exists(dir.File("cut/checkpoints/checkpoint-2")));
        Assert.False(File.Exists(dir.File("cut/adapter_model.safetensors")));
        RunUntil(dir, body, "cut", resume: true);
        Assert.Equal(File.ReadAllBytes(dir.File("whole/adapter_model.safetensors")), File.ReadAllBytes(dir.File("cut/adapter_model.safetensors")));
    }

    [Fact]
    public void Orpo_with_lora_raises_the_margin_without_a_reference_model()
    {
        // λ = 10 so that on this untrained model the odds-ratio term outweighs the chosen answers' NLL; at the default
        // 0.1 a dozen steps are almost pure SFT and the margin barely moves.
        using var dir = new TempFolder();
        var summary = Train(dir, Pairs.Replace("learning_rate: 0.001", "learning_rate: 0.003").Replace("max_steps: 4", "max_steps: 12") + "\nrl: orpo\norpo_alpha: 10\nadapter: lora\nlora_r: 4\nlora_alpha: 8\nlora_target_linear: true\n");
        Assert.Equal("orpo", summary["stage"]!.GetValue<string>());
        Assert.True(Number(summary, "reward_margin_after") > Number(summary, "reward_margin_before"), summary.ToJsonString());
        Assert.True(Number(summary, "eval_loss_after") < Number(summary, "eval_loss_before"), summary.ToJsonString());
        Assert.True(File.Exists(dir.File("out/adapter_model.safetensors")));
        var steps = MetricsLog.Read(dir.File("out/metrics.jsonl")).Where(r => r["loss"] is not null).ToList();
        Assert.All(steps, r => Assert.All(new[] { "nll_loss", "log_odds_ratio", "reward_margin" }, k => Assert.NotNull(r[k])));
        File.WriteAllText(dir.File("bad.yaml"), Pairs + "\nrl: orpo\nrl_beta: 0.2\n");
        Assert.Contains("rl_beta: is not a setting of stage orpo", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(dir.File("bad.yaml"), [])).Message);
    }

    [Fact]
    public void Full_ipo_with_precomputed_reference_log_probs_raises_the_margin()
    {
        using var dir = new TempFolder();
        var summary = Train(dir, Pairs + "\nrl: ipo\nrl_beta: 0.5\nprecompute_ref_log_probs: true\n");
        Assert.Equal("precomputed", summary["reference"]!.GetValue<string>());
        Assert.Equal("ipo", summary["loss_type"]!.GetValue<string>());
        Assert.True(Number(summary, "reward_margin_after") > Number(summary, "reward_margin_before"), summary.ToJsonString());
        Assert.True(File.Exists(dir.File("out/" + DpoRecipe.ReferenceFile)));
    }

    [Fact]
    public void Ppo_runs_against_a_reward_model_folder_and_logs_reward_kl_entropy_and_clipping()
    {
        using var dir = new TempFolder();
        SaveRewardModel(dir.File("rm"));
        var summary = Train(dir, Pairs.Replace("max_steps: 4", "max_steps: 2").Replace("val_set_size: 8", "val_set_size: 4").Replace("micro_batch_size: 8", "micro_batch_size: 2")
            + "\nstage: ppo\nreward_model: rm\nrollout_batch_size: 4\nppo_epochs: 2\nmax_new_tokens: 8\nadapter: lora\nlora_r: 4\nlora_alpha: 8\nlora_target_linear: true\n");
        Assert.True(double.IsFinite(Number(summary, "mean_reward_before")) && double.IsFinite(Number(summary, "mean_reward_after")));
        Assert.True(double.IsFinite(Number(summary, "kl_final")));
        var steps = MetricsLog.Read(dir.File("out/metrics.jsonl")).Where(r => r["loss"] is not null).ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, r => Assert.All(new[] { "mean_reward", "kl", "entropy", "clip_fraction", "kl_coef" }, k => Assert.NotNull(r[k])));
        Assert.True(File.Exists(dir.File("out/" + PpoRecipe.ValueHeadFile)));
    }

    [Fact]
    public void Ppo_updates_raise_the_log_probability_of_tokens_with_positive_advantage()
    {
        using var policy = TinyModels.Create("llama");
        using var reward = new LlamaForSequenceClassification(policy.Config);
        reward.InitializeScore(6);
        using (no_grad())
            foreach (var (name, p) in reward.named_parameters())
                if (name != "score.weight") p.copy_(policy.named_parameters().First(q => q.name == name).parameter);
        reward.eval();
        var lora = LoraModel.Inject(policy, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true }, seed: 2);
        using var valueHead = new ValueHead(policy.Config.HiddenSize, 0.02, 5);
        var settings = new AlignmentSettings { MaxNewTokens = 6, PpoEpochs = 4 };
        var rollouts = new PpoRollouts(policy, lora, valueHead, reward, new HashSet<long> { 2 }, [], 0, settings, CPU);
        using var batch = rollouts.Collect([[1, 17, 42], [1, 5, 9, 30], [1, 60], [1, 8, 8, 8]], seed: 11, klCoef: 0.05);
        var trainable = TrainableParameter.Of(policy).Concat(TrainableParameter.Of(valueHead).Select(p => p with { Name = "v_head." + p.Name })).ToList();
        var optimizer = new AdamW(trainable, 0, 0.9, 0.999, 1e-8);

        var update = rollouts.Optimize(batch, optimizer, miniBatch: 2, maxGradNorm: 1.0, lr: 0.01, seed: 3);

        Assert.True(double.IsFinite(update.Loss) && update.Entropy > 0);
        using var noGrad = no_grad();
        policy.eval();
        long predicted = batch.Targets.shape[1];
        var after = TokenLogProbs.Of(policy.Forward(batch.Ids, batch.Attention, batch.Positions).narrow(1, 0, predicted), batch.Targets);
        double surrogate = ((after - batch.OldLogProbs) * batch.Advantages * batch.Mask).sum().item<float>();
        Assert.True(surrogate > 0, $"Σ A·Δlog π should rise, got {surrogate}");
    }
}
