using System.Text.RegularExpressions;
using SharpTune.Data.Generated;

namespace SharpTune.Tests.Data;

public sealed partial class GeneratedDatasetTests
{
    [GeneratedRegex(@"(\d+)\D+?(\d+)[?.]?$")]
    private static partial Regex NumbersAtTheEnd();

    [GeneratedRegex(@"so (\d+) is larger\.$")]
    private static partial Regex Verdict();

    [Fact]
    public void Every_answer_names_the_larger_number_and_shows_the_comparison()
    {
        var pairs = LargerNumberTask.Generate(2000, 7).ToList();
        int close = 0, differentLength = 0;
        foreach (var (question, answer) in pairs)
        {
            var m = NumbersAtTheEnd().Match(question);
            Assert.True(m.Success, question);
            int a = int.Parse(m.Groups[1].Value), b = int.Parse(m.Groups[2].Value);
            Assert.NotEqual(a, b);
            Assert.Equal(Math.Max(a, b).ToString(), Verdict().Match(answer).Groups[1].Value);
            Assert.StartsWith($"{a} ", answer);
            if (Math.Abs(a - b) <= 3 || a / 10 == b / 10) close++;
            if (a.ToString().Length != b.ToString().Length) differentLength++;
        }
        Assert.InRange(close, 2000 / 4, 2000 * 3 / 4); // "sometimes very close"
        Assert.InRange(differentLength, 100, 2000 / 2);
        Assert.Equal(LargerNumberTask.Phrasings.Count, pairs.Select(p => NumbersAtTheEnd().Replace(p.Question, "")).Distinct().Count());
    }

    [Theory]
    [InlineData(47, 52, "47 vs 52: 4 < 5, so 52 is larger.")]
    [InlineData(412, 409, "412 vs 409: 4 = 4, 1 > 0, so 412 is larger.")]
    [InlineData(9, 10, "9 has 1 digit and 10 has 2 digits, so 10 is larger.")]
    [InlineData(0, 3, "0 vs 3: 0 < 3, so 3 is larger.")]
    public void Answers_compare_by_length_then_digit_by_digit(int a, int b, string expected) =>
        Assert.Equal(expected, LargerNumberTask.Answer(a, b));

    [Fact]
    public void The_same_seed_makes_the_same_rows_and_another_seed_others()
    {
        Assert.Equal(LargerNumberTask.Generate(50, 1), LargerNumberTask.Generate(50, 1));
        Assert.NotEqual(LargerNumberTask.Generate(50, 1), LargerNumberTask.Generate(50, 2));
    }

    [Fact]
    public void A_generate_entry_feeds_the_pipeline_as_chats()
    {
        using var dir = new TempFolder();
        var data = DataTestSetup.Prepare(dir, """
            base_model: preset:tiny
            chat_template: chatml
            datasets:
              - generate: larger_number
                rows: 40
                seed: 5
            val_set_size: 10
            sequence_len: 256
            """);
        Assert.Equal(30, data.Train.Count);
        Assert.Equal(10, data.Validation.Count);
        Assert.Matches(@"\d+ or \d+", DataTestSetup.Decode(data.Train[0]));
        Assert.Matches(@"so \d+ is larger\.", string.Join("|", DataTestSetup.TrainedRuns(data.Train[0])));
    }

    [Theory]
    [InlineData("  - generate: larger_number", "rows")]
    [InlineData("  - generate: sudoku\n    rows: 3", "unknown task generator 'sudoku'")]
    [InlineData("  - generate: larger_number\n    rows: 3\n    path: x.jsonl", "give path or generate, not both")]
    [InlineData("  - generate: larger_number\n    rows: 3\n    type: alpaca", "type: messages")]
    [InlineData("  - generate: larger_number\n    rows: 3\n    field: text", "unknown key 'field'")]
    public void Bad_generate_entries_name_the_key(string entry, string message)
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SharpTuneException>(() => DataTestSetup.Config(dir, "base_model: preset:tiny\ndatasets:\n" + entry + "\n"));
        Assert.Contains(message, e.Message);
        Assert.Contains("datasets[0]", e.Message);
    }
}
