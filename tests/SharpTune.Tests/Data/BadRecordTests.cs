using SharpTune.Data;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class BadRecordTests
{
    private const string Lines = """
        {"instruction": "ok", "output": "fine"}
        {"instruction": "no output"}
        {"instruction": "ok", "output": "fine"
        {"instruction": ["a list"], "output": "x"}
        [1, 2]
        {"instruction": "ok too", "output": "also fine"}
        """;

    [Theory]
    [InlineData("", "d.jsonl:2: field 'output': missing")]
    [InlineData("{\"instruction\": \"ok\", \"output\": \"fine\"}\n", "d.jsonl:2: invalid JSON")]
    public void A_bad_record_fails_with_file_line_and_field(string prefix, string message)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.jsonl"), prefix == "" ? Lines : prefix + Lines.Split('\n')[2] + "\n");
        var e = Assert.Throws<SharpTuneException>(() => Records(dir, "  - {path: d.jsonl, type: alpaca}"));
        Assert.Contains(message, e.Message);
        Assert.Contains(dir.File("d.jsonl"), e.Message);
        Assert.Contains("skip_bad_records", e.Message);
    }

    [Fact]
    public void Skipped_bad_records_are_counted_and_listed_with_their_positions()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.jsonl"), Lines);
        var (records, report) = Records(dir, "  - {path: d.jsonl, type: alpaca}", "skip_bad_records: true");
        Assert.Equal(2, records.Count);
        var counts = report.Datasets[0];
        Assert.Equal((2L, 4L), (counts.Read, counts.Bad));
        Assert.Equal(4, report.Dropped[DropRule.BadRecord]);
        Assert.Equal(["d.jsonl:2", "d.jsonl:3", "d.jsonl:4", "d.jsonl:5"], report.BadRecords.Select(b => Path.GetFileName(b.Position)));
        Assert.Equal(["output", null, "instruction", null], report.BadRecords.Select(b => b.Field));
        Assert.Contains("expected text, got a list", report.BadRecords[2].Detail);
        Assert.Contains("expected a JSON object", report.BadRecords[3].Detail);
    }

    [Fact]
    public void Bad_roles_and_turns_name_the_nested_field()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.jsonl"), "{\"conversations\": [{\"from\": \"human\", \"value\": \"Q\"}, {\"from\": \"narrator\", \"value\": \"x\"}]}\n");
        var e = Assert.Throws<SharpTuneException>(() => Records(dir, "  - {path: d.jsonl, type: sharegpt}"));
        Assert.Contains("d.jsonl:1: field 'conversations[1].from': unknown role 'narrator'", e.Message);
    }

    [Fact]
    public void A_template_that_refuses_a_conversation_is_a_bad_record()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"A\"}]}\n");
        var yaml = "datasets:\n  - {path: d.jsonl, type: messages}\nsequence_len: 64\n";
        var e = Assert.Throws<SharpTuneException>(() => Prepare(dir, yaml, new RefusingTemplate()));
        Assert.Contains("d.jsonl:1: the chat template refused the conversation: roles must alternate", e.Message);

        var skipped = Prepare(dir, yaml + "skip_bad_records: true\n", new RefusingTemplate());
        Assert.Equal((0L, 1L), (skipped.Report.Datasets[0].Read, skipped.Report.Datasets[0].Bad));
        Assert.Empty(skipped.Train);
    }

    private sealed class RefusingTemplate : SharpTune.Tokenization.IChatTemplate
    {
        public string Render(IReadOnlyList<SharpTune.Tokenization.ChatMessage> messages, bool addGenerationPrompt = false) =>
            throw new SharpTuneException("roles must alternate");
    }
}
