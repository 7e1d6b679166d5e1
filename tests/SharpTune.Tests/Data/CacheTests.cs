using SharpTune.Data;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class CacheTests
{
    private const string Yaml = "datasets:\n  - {path: d.jsonl, type: alpaca}\nsequence_len: 128\nsample_packing: true\nval_set_size: 0.25\ndataset_prepared_path: cache\n";

    private static void WriteData(TempFolder dir, string extra = "") => File.WriteAllText(dir.File("d.jsonl"),
        "{\"instruction\": \"One?\", \"output\": \"1\"}\n{\"instruction\": \"Two?\", \"output\": \"2\"}\n" +
        "{\"instruction\": \"Three?\", \"output\": \"3\"}\n{\"instruction\": \"Four?\", \"output\": \"4\"}\n" + extra);

    [Fact]
    public void A_second_run_loads_the_cache_with_identical_samples_and_report()
    {
        using var dir = new TempFolder();
        WriteData(dir);
        var first = Prepare(dir, Yaml, cache: true);
        var second = Prepare(dir, Yaml, cache: true);
        Assert.Equal("miss", first.Report.Cache);
        Assert.Equal("hit", second.Report.Cache);
        Assert.Equal(first.CacheFile, second.CacheFile);
        Assert.StartsWith(dir.File("cache"), first.CacheFile);
        Assert.Equal(first.Train.Select(r => r.InputIds), second.Train.Select(r => r.InputIds));
        Assert.Equal(first.Train.Select(r => r.Labels), second.Train.Select(r => r.Labels));
        Assert.Equal(first.Train.Select(r => r.PositionIds), second.Train.Select(r => r.PositionIds));
        Assert.Equal(first.Validation.Select(r => r.SequenceIds), second.Validation.Select(r => r.SequenceIds));
        Assert.Equal(first.Report.Tokens, second.Report.Tokens);
        Assert.Equal(first.Report.Datasets[0].Samples, second.Report.Datasets[0].Samples);
    }

    [Fact]
    public void Changed_data_or_settings_or_template_give_a_new_cache_entry()
    {
        using var dir = new TempFolder();
        WriteData(dir);
        string Key(string yaml, SharpTune.Tokenization.IChatTemplate? template = null) =>
            new DataPipeline(DataTestSetup.Config(dir, yaml), Context(template)).CacheKey();
        string baseline = Key(Yaml);
        Assert.Equal(baseline, Key(Yaml));
        Assert.NotEqual(baseline, Key(Yaml.Replace("sequence_len: 128", "sequence_len: 100")));
        Assert.NotEqual(baseline, Key(Yaml + "seed: 1\n"));
        Assert.NotEqual(baseline, Key(Yaml + "train_on_inputs: true\n"));
        Assert.NotEqual(baseline, Key(Yaml + "cleaning: {dedupe: near}\n"));
        Assert.NotEqual(baseline, Key(Yaml, new LastTurnTemplate()));
        WriteData(dir, "{\"instruction\": \"Five?\", \"output\": \"5\"}\n");
        Assert.NotEqual(baseline, Key(Yaml));

        var rebuilt = Prepare(dir, Yaml, cache: true);
        Assert.Equal("miss", rebuilt.Report.Cache);
        Assert.Equal(5, rebuilt.Report.Datasets[0].Samples);
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    [InlineData("garbage")]
    public void A_damaged_cache_file_is_rebuilt_not_fatal(string damage)
    {
        using var dir = new TempFolder();
        WriteData(dir);
        var first = Prepare(dir, Yaml, cache: true);
        string file = first.CacheFile!;
        byte[] bytes = File.ReadAllBytes(file);
        switch (damage)
        {
            case "truncate": File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]); break;
            case "flip": bytes[bytes.Length / 2] ^= 0xFF; File.WriteAllBytes(file, bytes); break;
            default: File.WriteAllText(file, "not a cache"); break;
        }
        var second = Prepare(dir, Yaml, cache: true);
        Assert.StartsWith("rebuilt (", second.Report.Cache);
        Assert.Equal(first.Train.Select(r => r.InputIds), second.Train.Select(r => r.InputIds));
        Assert.Equal("hit", Prepare(dir, Yaml, cache: true).Report.Cache);
    }
}
