using System.Text.Json.Nodes;
using SharpTune.Tests.Cli;

namespace SharpTune.Tests.Data;

public sealed class DataCliTests
{
    private static readonly string ExampleData = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../examples/data/sft-sample.jsonl"));

    private static string WriteConfig(TempFolder dir, string extra = "")
    {
        File.WriteAllText(dir.File("run.yaml"), $"""
            base_model: preset:tiny
            chat_template: chatml
            datasets:
              - path: {ExampleData}
                type: messages
            sequence_len: 512
            sample_packing: true
            val_set_size: 0.1
            output_dir: out
            learning_rate: 0.001
            cleaning:
              dedupe: near
            {extra}
            """);
        return dir.File("run.yaml");
    }

    [Fact]
    public void Inspect_shows_counts_histogram_and_a_marked_sample_and_uses_the_cache()
    {
        using var dir = new TempFolder();
        string config = WriteConfig(dir);
        var first = CliProcess.Run("data", "inspect", config);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("read 24, bad 0, dropped 3 (exact_duplicate 1, near_duplicate 1, phrase 1), kept 21", first.Stdout);
        Assert.Contains("token lengths of 21 samples", first.Stdout);
        Assert.Contains(" | #", first.Stdout);
        Assert.Contains("<|im_start|>assistant\n[[", first.Stdout);
        Assert.Contains("<|im_end|>\n]]", first.Stdout);
        Assert.Contains("cache           miss", first.Stdout);
        Assert.True(Directory.EnumerateFiles(dir.File("out/prepared"), "*.stprep").Any());

        var second = CliProcess.Run("data", "inspect", config);
        Assert.Contains("cache           hit", second.Stdout);
    }

    [Fact]
    public void Clean_writes_normalized_records_and_a_report()
    {
        using var dir = new TempFolder();
        string config = WriteConfig(dir);
        var result = CliProcess.Run("data", "clean", config, "--out", dir.File("clean.jsonl"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("wrote 21 records", result.Stdout);
        var lines = File.ReadAllLines(dir.File("clean.jsonl"));
        Assert.Equal(21, lines.Length);
        Assert.All(lines, l => Assert.Equal("assistant", (string)JsonNode.Parse(l)!["messages"]!.AsArray()[^1]!["role"]!));
        var report = JsonNode.Parse(File.ReadAllText(dir.File("clean.report.json")))!;
        Assert.Equal(1, (int)report["dropped"]!["phrase"]!);
        Assert.Equal(3, report["dropped_records"]!.AsArray().Count);
        Assert.EndsWith("sft-sample.jsonl:22", (string)report["dropped_records"]![0]!["position"]!);
    }

    [Fact]
    public void A_bad_record_is_one_error_line_with_its_position()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("bad.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}]}\n{\"messages\": [{\"role\": \"user\"}]}\n");
        File.WriteAllText(dir.File("run.yaml"), "datasets:\n  - {path: bad.jsonl, type: messages}\n");
        var result = CliProcess.Run("data", "clean", dir.File("run.yaml"), "--out", dir.File("x.jsonl"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr);
        Assert.Contains("bad.jsonl:2: field 'messages[0].content': missing", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
