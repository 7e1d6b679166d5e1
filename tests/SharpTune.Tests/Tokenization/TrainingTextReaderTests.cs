using System.Text;
using SharpTune.Tokenization.Training;

namespace SharpTune.Tests.Tokenization;

public sealed class TrainingTextReaderTests
{
    [Fact]
    public void Large_text_files_are_cut_without_changing_any_count()
    {
        // Over 1M characters, so the reader cuts; special tokens with newlines sit right at candidate cuts.
        var text = new StringBuilder();
        foreach (var d in TrainingCorpus.Documents(seed: 7, count: 500, words: 400)) text.Append(d).Append("<|sep\n|>\n\n");
        Assert.True(text.Length > 1 << 20, $"{text.Length}");
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("big.txt"), text.ToString());
        string[] specials = ["<|sep\n|>"];

        var chunks = TrainingTextReader.ReadDocuments(dir.File("big.txt"), specials).ToList();
        Assert.True(chunks.Count > 1);
        Assert.Equal(text.ToString(), string.Concat(chunks));

        var options = new BpeTrainerOptions { VocabSize = 400, SpecialTokens = specials };
        var whole = new BpeTrainer(options);
        whole.AddText(text.ToString());
        var chunked = new BpeTrainer(options);
        foreach (var chunk in chunks) chunked.AddText(chunk);
        Assert.Equal(whole.PieceCount, chunked.PieceCount);
        Assert.Equal(whole.DistinctPieceCount, chunked.DistinctPieceCount);
        Assert.Equal(whole.Train().Merges, chunked.Train().Merges);
    }

    [Fact]
    public void Jsonl_gives_the_text_field_of_each_line()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("a.jsonl"), "{\"text\": \"first\\nline\", \"id\": 1}\n\n{\"text\": \"second 🙂\"}\n");
        Assert.Equal(["first\nline", "second 🙂"], TrainingTextReader.ReadDocuments(dir.File("a.jsonl")));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": 3}\n", "bad.jsonl:2: each line must be a JSON object with a string field 'text'")]
    [InlineData("{\"text\": \"ok\"}\n\n{\"txt\": \"x\"}\n", "bad.jsonl:3: each line must be a JSON object with a string field 'text'")]
    [InlineData("[\"text\"]\n", "bad.jsonl:1: each line must be a JSON object")]
    [InlineData("{\"text\": \"ok\"\n", "bad.jsonl:1: invalid JSON")]
    public void Bad_jsonl_lines_name_the_file_and_line(string content, string message)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("bad.jsonl"), content);
        var e = Assert.Throws<SharpTuneException>(() => TrainingTextReader.ReadDocuments(dir.File("bad.jsonl")).ToList());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Missing_files_and_unknown_kinds_are_clear_errors()
    {
        using var dir = new TempFolder();
        Assert.Contains("file not found", Assert.Throws<SharpTuneException>(() => TrainingTextReader.ReadDocuments(dir.File("nope.txt"))).Message);
        File.WriteAllText(dir.File("data.csv"), "a,b");
        Assert.Contains("unsupported input '.csv'", Assert.Throws<SharpTuneException>(() => TrainingTextReader.ReadDocuments(dir.File("data.csv"))).Message);
    }
}
