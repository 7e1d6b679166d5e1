using SharpTune.Data;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class PipelineTests
{
    private static void WriteChats(TempFolder dir, int count, string file = "d.jsonl")
    {
        var lines = Enumerable.Range(0, count).Select(i =>
            $"{{\"instruction\": \"Question number {i}?\", \"output\": \"Answer {i}{new string('!', i % 7)}\"}}");
        File.WriteAllLines(dir.File(file), lines);
    }

    private static string Yaml(string extra = "") => $"datasets:\n  - {{path: d.jsonl, type: alpaca}}\nsequence_len: 256\n{extra}";

    private static List<string> Order(PreparedDataset d) => d.Train.Select(Decode).ToList();

    [Fact]
    public void The_shuffle_is_determined_by_the_seed()
    {
        using var dir = new TempFolder();
        WriteChats(dir, 30);
        var a = Order(Prepare(dir, Yaml("seed: 7")));
        var b = Order(Prepare(dir, Yaml("seed: 7")));
        var c = Order(Prepare(dir, Yaml("seed: 8")));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(a.Order(), c.Order());
        Assert.NotEqual(a, a.Order().ToList()); // shuffled, not in file order
    }

    [Theory]
    [InlineData("val_set_size: 0.1", 27, 3)]
    [InlineData("val_set_size: 0.05", 28, 2)] // 1.5 rounds up
    [InlineData("val_set_size: 4", 26, 4)]
    [InlineData("", 30, 0)]
    public void The_validation_split_takes_a_fraction_or_a_count(string setting, int train, int validation)
    {
        using var dir = new TempFolder();
        WriteChats(dir, 30);
        var d = Prepare(dir, Yaml(setting));
        Assert.Equal((train, validation), (d.Train.Count, d.Validation.Count));
        Assert.Empty(d.Train.Select(Decode).Intersect(d.Validation.Select(Decode)));
    }

    [Fact]
    public void A_validation_split_that_leaves_nothing_to_train_is_an_error()
    {
        using var dir = new TempFolder();
        WriteChats(dir, 3);
        var e = Assert.Throws<SharpTuneException>(() => Prepare(dir, Yaml("val_set_size: 3")));
        Assert.Contains("val_set_size 3 would hold out 3 of the 3 samples", e.Message);
    }

    [Fact]
    public void Overlong_samples_are_dropped_or_truncated_and_counted()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.jsonl"),
            "{\"instruction\": \"Hi\", \"output\": \"Short.\"}\n" +
            $"{{\"instruction\": \"Long one\", \"output\": \"{new string('x', 300)}\"}}\n");
        var dropped = Prepare(dir, Yaml());
        Assert.Single(dropped.Train);
        Assert.Equal(1, dropped.Report.Dropped[DropRule.ExceedsSequenceLen]);
        Assert.Contains("more than sequence_len 256", dropped.Report.DroppedRecords.Single().Detail);

        var truncated = Prepare(dir, Yaml("excess_length_strategy: truncate"));
        Assert.Equal(2, truncated.Train.Count);
        Assert.Equal(256, truncated.Train.Max(s => s.Length));
        Assert.Equal(1, truncated.Report.Truncated);
    }

    [Fact]
    public void Long_texts_are_split_into_sequence_len_pieces()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("t.jsonl"), $"{{\"text\": \"{new string('a', 250)}\"}}\n{{\"text\": \"short\"}}\n");
        var d = Prepare(dir, "datasets:\n  - {path: t.jsonl, type: text}\nsequence_len: 100\nsample_packing: true\n");
        // 1 bos + 250 bytes + 1 eos = 252 tokens -> 100, 100, 52; "short" -> 7 tokens
        Assert.Equal([7, 52, 100, 100], d.SampleLengths().Order());
        Assert.Equal(2, d.Report.SplitPieces);
        Assert.Equal(3, d.Train.Count); // 100 | 100 | 52 + 7
        Assert.All(d.Train, r => Assert.True(r.Length <= 100));
        Assert.Equal(4, d.Report.Datasets[0].Samples);
    }

    [Fact]
    public void Packing_is_deterministic_and_keeps_samples_whole()
    {
        using var dir = new TempFolder();
        WriteChats(dir, 40);
        string yaml = "datasets:\n  - {path: d.jsonl, type: alpaca}\nsequence_len: 1000\n";
        var unpacked = Prepare(dir, yaml);
        var packed = Prepare(dir, yaml + "sample_packing: true\n");
        var again = Prepare(dir, yaml + "sample_packing: true\n");
        Assert.Equal((int)Math.Ceiling(unpacked.Train.Sum(s => s.Length) / 1000.0), packed.Train.Count);
        Assert.All(packed.Train, r => Assert.InRange(r.Length, 1, 1000));
        Assert.Equal(packed.Train.Select(r => r.InputIds), again.Train.Select(r => r.InputIds));
        Assert.Equal(unpacked.Train.Select(s => s.Length).Order(), packed.SampleLengths().Order());
        Assert.InRange(packed.Report.PackingEfficiency, 0.8, 1.0);
    }

    [Fact]
    public void Several_datasets_mix_and_are_counted_separately()
    {
        using var dir = new TempFolder();
        WriteChats(dir, 5);
        File.WriteAllText(dir.File("t.txt"), "Some text.\n\nMore text.\n");
        var d = Prepare(dir, "datasets:\n  - {path: d.jsonl, type: alpaca, name: chats}\n  - {path: t.txt, type: text}\nsequence_len: 256\n");
        Assert.Equal(7, d.Train.Count);
        Assert.Equal(["chats", "t.txt"], d.Report.Datasets.Select(x => x.Name));
        Assert.Equal([5L, 2L], d.Report.Datasets.Select(x => x.Samples));
    }
}
