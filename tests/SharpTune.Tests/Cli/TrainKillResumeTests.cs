using System.Diagnostics;

using SharpTune.Tests.Training;

namespace SharpTune.Tests.Cli;

public sealed class TrainKillResumeTests
{
    /// <summary>LoRA SFT of the tiny preset on CPU, checkpointing every few steps, long enough to be killed part-way.</summary>
    private const string Config = """
        base_model: preset:tiny
        chat_template: chatml
        datasets:
          - path: chat.jsonl
            type: messages
        sequence_len: 96
        micro_batch_size: 1
        gradient_accumulation_steps: 2
        max_steps: 40
        save_steps: 3
        eval_steps: 10
        learning_rate: 0.01
        lr_scheduler: cosine
        warmup_steps: 2
        val_set_size: 4
        adapter: lora
        lora_r: 4
        lora_alpha: 8
        lora_dropout: 0.1
        lora_target_linear: true
        device: cpu
        seed: 5
        """;

    private static string WriteConfig(TempFolder dir)
    {
        PlusOneChats.Write(dir, 24);
        File.WriteAllText(dir.File("run.yaml"), Config);
        return dir.File("run.yaml");
    }

    [Fact]
    public async Task A_train_process_killed_with_SIGKILL_resumes_to_the_uninterrupted_runs_adapter()
    {
        using var dir = new TempFolder();
        string config = WriteConfig(dir);

        var whole = CliProcess.Run("train", config, "--set", "output_dir=whole");
        Assert.True(whole.ExitCode == 0, whole.Stderr);

        // Start the same run elsewhere and kill it (SIGKILL: no cleanup runs) once a complete checkpoint exists.
        string checkpoints = dir.File("cut/checkpoints");
        long killedAfter;
        using (var process = CliProcess.Start(["train", config, "--set", "output_dir=cut"]))
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(checkpoints) || Directory.GetDirectories(checkpoints, "checkpoint-*").Length == 0)
            {
                if (process.HasExited) Assert.Fail($"the run ended before its first checkpoint: {await stderr}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no checkpoint within two minutes");
                await Task.Delay(10);
            }
            process.Kill();
            process.WaitForExit();
            Assert.NotEqual(0, process.ExitCode);
            killedAfter = Directory.GetDirectories(checkpoints, "checkpoint-*").Max(d => long.Parse(Path.GetFileName(d)["checkpoint-".Length..]));
            await stdout;
            await stderr;
        }
        Assert.True(killedAfter < 40, $"the run was killed only after its last step ({killedAfter})");
        Assert.False(File.Exists(dir.File("cut/adapter_model.safetensors")), "the killed run got as far as its final save");

        var resumed = CliProcess.Run("train", config, "--set", "output_dir=cut", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming from", resumed.Stdout);
        Assert.Equal(File.ReadAllBytes(dir.File("whole/adapter_model.safetensors")), File.ReadAllBytes(dir.File("cut/adapter_model.safetensors")));
        var steps = SharpTune.Reporting.MetricsLog.Read(dir.File("cut/metrics.jsonl")).Where(r => r["loss"] is not null).Select(r => (long)r["step"]!);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), steps);
    }
}
