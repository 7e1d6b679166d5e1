using System.Diagnostics;
using SharpTune.Tests.Cli;

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
        RunOutputs.WriteChat(dir);
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
