using System.Diagnostics;
using SharpTune.Tests.Cli;

using SharpTune.Tests.Training;

namespace SharpTune.Tests.Distributed;

[Collection(DistributedRuns.Name)]
public sealed class KilledRankTests
{
    private const string Config = """
        base_model: preset:tiny
        chat_template: chatml
        datasets:
          - path: chat.jsonl
            type: messages
        sequence_len: 160
        micro_batch_size: 1
        gradient_accumulation_steps: 1
        max_steps: 18
        save_steps: 3
        eval_steps: 10
        learning_rate: 0.01
        lr_scheduler: cosine
        warmup_steps: 2
        val_set_size: 4
        adapter: lora
        lora_r: 4
        lora_alpha: 8
        lora_dropout: 0.0
        lora_target_linear: true
        device: cpu
        seed: 7
        """;

    private static string WriteConfig(TempFolder dir)
    {
        PlusOneChats.Write(dir, 40);
        File.WriteAllText(dir.File("run.yaml"), Config);
        return dir.File("run.yaml");
    }

    /// <summary>The process that mpirun started as <paramref name="rank"/> of the run writing to <paramref name="outputDir"/> (read from /proc), or null.</summary>
    private static int? RankProcess(int rank, string outputDir)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out int pid)) continue;
            try
            {
                string environment = File.ReadAllText(Path.Combine(folder, "environ"));
                string commandLine = File.ReadAllText(Path.Combine(folder, "cmdline"));
                if (environment.Contains($"\0OMPI_COMM_WORLD_RANK={rank}\0", StringComparison.Ordinal) && commandLine.Contains("output_dir=" + outputDir, StringComparison.Ordinal))
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that ended meanwhile, or another user's.
            }
        }
        return null;
    }

    [Fact]
    public async Task A_killed_rank_stops_the_job_within_seconds_and_the_run_resumes_on_one_or_two_processes()
    {
        using var dir = new TempFolder();
        string config = WriteConfig(dir);
        var whole = CliProcess.Run("train", config, "--nproc", "2", "--set", "output_dir=whole");
        Assert.True(whole.ExitCode == 0, whole.Stdout + whole.Stderr);

        // The same run elsewhere; once it has a complete checkpoint, rank 1 is killed (SIGKILL: no cleanup runs).
        string checkpoints = dir.File("cut/checkpoints");
        string stderrText;
        TimeSpan stopped;
        using (var process = CliProcess.Start(["train", config, "--nproc", "2", "--set", "output_dir=cut"]))
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
            int rank1 = RankProcess(1, "cut") ?? throw new InvalidOperationException("rank 1's process not found");
            Process.GetProcessById(rank1).Kill();
            var killedAt = Stopwatch.StartNew();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the job went on for 30 s after a rank died");
            stopped = killedAt.Elapsed;
            Assert.Equal(1, process.ExitCode);
            await stdout;
            stderrText = await stderr;
        }
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"the job took {stopped.TotalSeconds:F1} s to stop");
        Assert.Contains("rank 1", stderrText);
        Assert.Contains("error: the job of 2 processes stopped", stderrText);
        Assert.Null(RankProcess(0, "cut"));
        Assert.False(File.Exists(dir.File("cut/adapter_model.safetensors")), "the killed run got as far as its final save");

        // Resumed on one process (accumulating both ranks' micro-batches) and, from a copy, on two with ZeRO-2:
        // both continue from the consolidated checkpoint to the uninterrupted run's adapter.
        CopyFolder(dir.File("cut"), dir.File("cut2"));
        var one = CliProcess.Run("train", config, "--set", "output_dir=cut", "--set", "gradient_accumulation_steps=2", "--resume");
        Assert.True(one.ExitCode == 0, one.Stdout + one.Stderr);
        Assert.Contains("resuming from", one.Stdout);
        var two = CliProcess.Run("train", config, "--nproc", "2", "--set", "output_dir=cut2", "--set", "zero_stage=2", "--resume");
        Assert.True(two.ExitCode == 0, two.Stdout + two.Stderr);
        Assert.Contains("resuming from", two.Stdout);
        RunOutputs.AssertClose(dir.File("whole/adapter_model.safetensors"), dir.File("cut/adapter_model.safetensors"));
        RunOutputs.AssertClose(dir.File("whole/adapter_model.safetensors"), dir.File("cut2/adapter_model.safetensors"));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
