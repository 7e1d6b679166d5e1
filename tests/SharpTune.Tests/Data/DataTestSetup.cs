using SharpTune.Data;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Data;

/// <summary>Writes a run config into a temp folder and builds pipelines over it with the byte tokenizer and a test template.</summary>
internal static class DataTestSetup
{
    public static TokenizerContext Context(IChatTemplate? template = null) =>
        new(new ByteTokenizer(), "byte", new ResolvedChatTemplate(template ?? new TestChatTemplate(), "test", template?.GetType().Name ?? "test"));

    /// <summary>Writes <paramref name="yaml"/> as run.yaml in <paramref name="dir"/> and reads its data settings.</summary>
    public static DataConfig Config(TempFolder dir, string yaml)
    {
        File.WriteAllText(dir.File("run.yaml"), yaml);
        return DataConfig.Load(dir.File("run.yaml"));
    }

    /// <summary>Reads and cleans the records of a one-dataset config.</summary>
    public static (IReadOnlyList<DataRecord> Records, DataReport Report) Records(TempFolder dir, string dataset, string extra = "")
    {
        var config = Config(dir, $"datasets:\n{dataset}\n{extra}");
        return new DataPipeline(config, Context()).Clean();
    }

    public static PreparedDataset Prepare(TempFolder dir, string yaml, IChatTemplate? template = null, bool cache = false) =>
        new DataPipeline(Config(dir, yaml), Context(template)).Prepare(cache);

    /// <summary>The text of the trained tokens of <paramref name="sample"/>, one string per run of trained tokens.</summary>
    public static List<string> TrainedRuns(TokenizedSample sample)
    {
        var tokenizer = new ByteTokenizer();
        var runs = new List<string>();
        var current = new List<long>();
        for (int i = 0; i <= sample.Length; i++)
        {
            if (i < sample.Length && sample.Labels[i] != TokenizedSample.IgnoreLabel)
            {
                Assert.Equal(sample.InputIds[i], sample.Labels[i]);
                current.Add(sample.Labels[i]);
                continue;
            }
            if (current.Count > 0) runs.Add(tokenizer.Decode(current, skipSpecialTokens: false));
            current.Clear();
        }
        return runs;
    }

    public static string Decode(TokenizedSample sample) => new ByteTokenizer().Decode(sample.InputIds.Select(i => (long)i), skipSpecialTokens: false);
}
