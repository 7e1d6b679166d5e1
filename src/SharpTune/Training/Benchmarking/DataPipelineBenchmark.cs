using System.Diagnostics;
using SharpTune.Data;

namespace SharpTune.Training.Benchmarking;

/// <summary>
/// Measures the data pipeline as training uses it: read text files, tokenize, pack into rows of the sequence length
/// and split — <see cref="DataPipeline.Prepare"/> with cleaning and the cache off. Without a tokenizer folder it first
/// learns a BPE vocabulary of the model's size from the same text (not timed), so the tokenizer has the shape a real
/// one of that size would. The text is read <see cref="Copies"/> times over so that the timed part is not dominated
/// by start-up.
/// </summary>
public static class DataPipelineBenchmark
{
    /// <summary>How many times the text files are read in one measurement.</summary>
    public const int Copies = 8;

    /// <summary>The text every Debian system ships, used when no other is given.</summary>
    public const string DefaultText = "/usr/share/common-licenses/*";

    /// <summary>
    /// Prepares <paramref name="textPath"/> (a file, folder or glob of plain text) for rows of
    /// <paramref name="sequenceLength"/> tokens and returns the tokens produced per second; null when the default text
    /// is not on this machine and no other was given.
    /// </summary>
    public static double? TokensPerSecond(string? textPath, string? tokenizerFolder, int vocabSize, int sequenceLength, Action<string>? log = null)
    {
        string path = textPath ?? DefaultText;
        if (textPath is null && !Directory.Exists(Path.GetDirectoryName(DefaultText)))
        {
            log?.Invoke($"data pipeline: skipped ({Path.GetDirectoryName(DefaultText)} is not here; give --data-text)");
            return null;
        }
        var spec = new DatasetSpec { Path = Path.GetFullPath(path), Format = DatasetFormat.Text, Source = SourceKind.Text, Name = path, ConfigPosition = "--data-text" };
        string? scratch = null;
        try
        {
            string tokenizer = tokenizerFolder ?? (scratch = Directory.CreateTempSubdirectory("sharptune-bench-").FullName);
            if (tokenizerFolder is null)
            {
                log?.Invoke($"data pipeline: learning a {vocabSize}-token BPE vocabulary from {path} (not timed)...");
                new TokenizerTraining { VocabSize = vocabSize }.Train([spec], tokenizer);
            }
            var config = new DataConfig
            {
                Datasets = Enumerable.Repeat(spec, Copies).ToList(),
                SequenceLen = sequenceLength,
                SamplePacking = true,
                Tokenizer = tokenizer,
                Cleaning = CleaningConfig.Off,
            };
            var context = TrainingData.LoadTokenizer(config);
            var clock = Stopwatch.StartNew();
            var prepared = new DataPipeline(config, context).Prepare();
            double seconds = clock.Elapsed.TotalSeconds;
            log?.Invoke($"data pipeline: {prepared.Report.Tokens:N0} tokens read, tokenized and packed in {seconds:F2} s");
            return prepared.Report.Tokens / seconds;
        }
        finally
        {
            if (scratch is not null) Directory.Delete(scratch, recursive: true);
        }
    }
}
