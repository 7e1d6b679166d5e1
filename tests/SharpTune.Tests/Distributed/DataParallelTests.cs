using System.Text.Json.Nodes;
using SharpTune.Tests.Cli;

using SharpTune.Tests.Training;

namespace SharpTune.Tests.Distributed;

[Collection(DistributedRuns.Name)]
public sealed class DataParallelTests
{
    /// <summary>LoRA SFT of the tiny preset on CPU (no dropout: N processes draw other masks than one process would).</summary>
    private const string LoraSft = """
        base_model: preset:tiny
        chat_template: chatml
        datasets:
          - path: chat.jsonl
            type: messages
        sequence_len: 160
        micro_batch_size: 2
        gradient_accumulation_steps: 1
        max_steps: 5
        save_steps: 2
        learning_rate: 0.01
        lr_scheduler: cosine
        warmup_steps: 1
        val_set_size: 4
        adapter: lora
        lora_r: 4
        lora_alpha: 8
        lora_dropout: 0.0
        lora_target_linear: true
        device: cpu
        seed: 5
        """;

    /// <summary>Full fine-tuning (pretraining) of the tiny preset, with weight decay and clipping that bites.</summary>
    private const string FullPretrain = """
        base_model: preset:tiny
        datasets:
          - path: text.txt
            type: text
        sequence_len: 48
        micro_batch_size: 2
        gradient_accumulation_steps: 1
        max_steps: 4
        learning_rate: 0.003
        weight_decay: 0.01
        max_grad_norm: 0.5
        lr_scheduler: constant
        device: cpu
        seed: 3
        """;

    private static string Write(TempFolder dir, string config)
    {
        PlusOneChats.Write(dir, 40);
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"the keeper lit lamp {i} before dark and the boat came home at {i % 7}.")));
        File.WriteAllText(dir.File("run.yaml"), config);
        return dir.File("run.yaml");
    }

    private static void Train(string config, params string[] args)
    {
        var run = CliProcess.Run(["train", config, .. args]);
        Assert.True(run.ExitCode == 0, $"train {string.Join(' ', args)} failed:\n{run.Stdout}\n{run.Stderr}");
    }

    private static JsonObject Summary(TempFolder dir, string output) => JsonNode.Parse(File.ReadAllText(dir.File($"{output}/summary.json")))!.AsObject();

    [Fact]
    public void Every_collective_between_two_processes_gives_the_expected_values()
    {
        var run = CliProcess.Run("distributed", "check", "--nproc", "2", "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("rank 0 of 2 (mpi on cpu): all-reduce, reduce-scatter, all-gather, broadcast and barrier give the expected values", run.Stdout);
        Assert.Contains("rank 1 of 2 (mpi on cpu)", run.Stdout);
        Assert.Contains("bus bandwidth", run.Stdout);
    }

    [Fact]
    public void A_stage_that_does_not_train_data_parallel_yet_refuses_several_processes_with_each_rank_named()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("run.yaml"), """
            base_model: preset:tiny
            stage: dpo
            chat_template: chatml
            datasets:
              - generate: larger_number_preference
                rows: 20
            adapter: lora
            max_steps: 1
            output_dir: out
            """);
        var run = CliProcess.Run("train", dir.File("run.yaml"), "--nproc", "2");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("stage dpo does not train on several processes yet; run it with --nproc 1", run.Stderr);
        Assert.Contains("error: rank 0:", run.Stderr);
        Assert.Contains("error: the job of 2 processes stopped", run.Stderr);
    }

    [Fact]
    public void LoRA_on_two_processes_equals_one_process_with_doubled_accumulation_and_ZeRO_1_and_2_equal_plain_data_parallelism()
    {
        using var dir = new TempFolder();
        string config = Write(dir, LoraSft);
        Train(config, "--set", "output_dir=one", "--set", "gradient_accumulation_steps=2");
        Train(config, "--nproc", "2", "--set", "output_dir=ddp");
        Train(config, "--nproc", "2", "--set", "output_dir=zero1", "--set", "zero_stage=1");
        Train(config, "--nproc", "2", "--set", "output_dir=zero2", "--set", "zero_stage=2");

        RunOutputs.AssertClose(dir.File("one/adapter_model.safetensors"), dir.File("ddp/adapter_model.safetensors"));
        RunOutputs.AssertClose(dir.File("ddp/adapter_model.safetensors"), dir.File("zero1/adapter_model.safetensors"));
        RunOutputs.AssertClose(dir.File("ddp/adapter_model.safetensors"), dir.File("zero2/adapter_model.safetensors"));
        // The consolidated optimizer state of a sharded run is the single-process one, under the same names.
        RunOutputs.AssertClose(dir.File("one/checkpoints/checkpoint-5/optimizer.safetensors"), dir.File("zero2/checkpoints/checkpoint-5/optimizer.safetensors"));

        var one = Summary(dir, "one");
        var ddp = Summary(dir, "ddp");
        Assert.Equal(5, (long)ddp["steps"]!);
        Assert.Equal(2, (int)ddp["processes"]!);
        Assert.Equal(2, (int)Summary(dir, "zero2")["zero_stage"]!);
        Assert.True((double)ddp["final_eval_loss"]! < (double)ddp["initial_eval_loss"]!, "the two-process run did not learn");
        Assert.Equal((double)one["final_eval_loss"]!, (double)ddp["final_eval_loss"]!, 4);
        // Rank 0 alone wrote the run's logs: one metrics line per step, not two.
        var steps = SharpTune.Reporting.MetricsLog.Read(dir.File("ddp/metrics.jsonl")).Where(r => r["loss"] is not null).Select(r => (long)r["step"]!);
        Assert.Equal([1, 2, 3, 4, 5], steps);
    }

    [Fact]
    public void Full_fine_tuning_on_two_processes_equals_one_process_with_doubled_accumulation()
    {
        using var dir = new TempFolder();
        string config = Write(dir, FullPretrain);
        Train(config, "--set", "output_dir=one", "--set", "gradient_accumulation_steps=2");
        Train(config, "--nproc", "2", "--set", "output_dir=ddp");
        Train(config, "--nproc", "2", "--set", "output_dir=zero2", "--set", "zero_stage=2");
        RunOutputs.AssertClose(dir.File("one/model.safetensors"), dir.File("ddp/model.safetensors"));
        RunOutputs.AssertClose(dir.File("ddp/model.safetensors"), dir.File("zero2/model.safetensors"));
    }
}
