using SharpTune.Data;

namespace SharpTune.Tests.Data;

public sealed class DatasetTypesTests
{
    [Theory]
    [InlineData("m.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", DatasetFormat.Messages)]
    [InlineData("s.jsonl", "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}]}", DatasetFormat.ShareGpt)]
    [InlineData("a.jsonl", "{\"instruction\": \"say hi\", \"input\": \"\", \"output\": \"hi\"}", DatasetFormat.Alpaca)]
    [InlineData("a.csv", "instruction,output\nsay hi,hi\n", DatasetFormat.Alpaca)]
    [InlineData("c.json", "[{\"prompt\": \"1 2\", \"completion\": \" 3\"}]", DatasetFormat.Completion)]
    [InlineData("p.jsonl", "{\"prompt\": \"hi\", \"chosen\": \"hello\", \"rejected\": \"go\"}", DatasetFormat.Preference)]
    [InlineData("t.jsonl", "{\"text\": \"once upon a time\"}", DatasetFormat.Text)]
    [InlineData("t.txt", "once upon a time\n\nthe end\n", DatasetFormat.Text)]
    [InlineData("bad-first.jsonl", "{not json\n{\"messages\": []}\n", DatasetFormat.Messages)]
    [InlineData("other.jsonl", "{\"question\": \"?\", \"answer\": \"!\"}", null)]
    [InlineData("empty.jsonl", "", null)]
    public void The_type_is_told_from_the_first_readable_record(string name, string content, DatasetFormat? expected)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(name), content);
        Assert.Equal(expected, DatasetTypes.Detect(dir.File(name), "--dataset"));
    }

    [Fact]
    public void Names_parse_as_the_config_reads_them()
    {
        Assert.Equal(DatasetFormat.Messages, DatasetTypes.Parse("chat_template"));
        Assert.Equal(DatasetFormat.Text, DatasetTypes.Parse("pretrain"));
        Assert.Null(DatasetTypes.Parse("Alpaca"));
        var e = Assert.Throws<SharpTuneException>(() => DatasetTypes.Detect("/no/such/file.jsonl", "--dataset"));
        Assert.StartsWith("--dataset: path not found", e.Message);
    }
}
