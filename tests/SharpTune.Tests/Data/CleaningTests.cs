using SharpTune.Data;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class CleaningTests
{
    private const string Lighthouse =
        "Each lighthouse flashes in its own rhythm so that sailors far out at sea can tell which light they are looking at, " +
        "count the seconds between the flashes, compare them with the chart and work out exactly where they are on a dark night.";

    private static string Chat(string question, string answer) =>
        $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"{question}\"}}, {{\"role\": \"assistant\", \"content\": \"{answer}\"}}]}}";

    private static (IReadOnlyList<DataRecord> Records, DataReport Report) Clean(TempFolder dir, string cleaning, params string[] lines)
    {
        File.WriteAllLines(dir.File("d.jsonl"), lines);
        return Records(dir, "  - {path: d.jsonl, type: messages}", $"cleaning:\n{cleaning}");
    }

    private static List<string> Answers(IReadOnlyList<DataRecord> records) =>
        records.Cast<Conversation>().Select(c => c.Messages[^1].Content).ToList();

    [Fact]
    public void The_phrase_filter_drops_boilerplate_in_replies_only()
    {
        using var dir = new TempFolder();
        var (records, report) = Clean(dir, "  dedupe: none\n  phrases: [\"per my guidelines\"]",
            Chat("Who are you?", "As an AI language model, I have no name."),
            Chat("Can you help?", "I\u2019m sorry,  but I CANNOT do that."),
            Chat("Rules?", "Per my guidelines, no."),
            Chat("As an AI language model, what would you say?", "I would say hello."),
            Chat("Hi", "Hello there."));
        Assert.Equal(["I would say hello.", "Hello there."], Answers(records));
        Assert.Equal(3, report.Dropped[DropRule.Phrase]);
        Assert.Contains("contains \"I'm sorry, but I cannot\"", report.DroppedRecords[1].Detail);
        Assert.EndsWith("d.jsonl:3", report.DroppedRecords[2].Position);
    }

    [Fact]
    public void Default_phrases_can_be_turned_off()
    {
        using var dir = new TempFolder();
        var (records, report) = Clean(dir, "  default_phrases: false\n  dedupe: none", Chat("Who?", "As an AI language model, I answer."));
        Assert.Single(records);
        Assert.Empty(report.Dropped);
    }

    [Fact]
    public void Exact_duplicates_ignoring_case_and_whitespace_keep_the_first()
    {
        using var dir = new TempFolder();
        var (records, report) = Clean(dir, "  dedupe: exact",
            Chat("Hi", "Hello there."),
            Chat("hi", "hello   there."),
            Chat("Hi", "Hello there, friend."));
        Assert.Equal(["Hello there.", "Hello there, friend."], Answers(records));
        Assert.Equal(1, report.Dropped[DropRule.ExactDuplicate]);
        Assert.EndsWith("d.jsonl:1", report.DroppedRecords.Single().Detail);
    }

    [Fact]
    public void Near_duplicates_are_found_by_minhash_and_distinct_texts_kept()
    {
        using var dir = new TempFolder();
        string nearCopy = Lighthouse.Replace("far out at sea", "far out on the sea").Replace("dark night", "dark, stormy night");
        const string different = "Gulls can drink salt water because glands above their eyes remove the extra salt, which they then shake from their beaks.";
        var index = new MinHashIndex(3, 16, 8, 0.8, 42);
        Assert.InRange(index.EstimateSimilarity(Lighthouse, nearCopy), 0.6, 0.95);

        var (records, report) = Clean(dir, "  dedupe: near\n  near_dup_threshold: 0.6",
            Chat("Why do lighthouses flash differently?", Lighthouse),
            Chat("Tell me about gulls.", different),
            Chat("Why do lighthouses flash differently?", nearCopy));
        Assert.Equal([Lighthouse, different], Answers(records));
        Assert.Equal(1, report.Dropped[DropRule.NearDuplicate]);
        Assert.Contains("similar (", report.DroppedRecords.Single().Detail);

        var (exactOnly, _) = Clean(dir, "  dedupe: exact",
            Chat("Why do lighthouses flash differently?", Lighthouse),
            Chat("Why do lighthouses flash differently?", nearCopy));
        Assert.Equal(2, exactOnly.Count);
    }

    [Fact]
    public void Minhash_is_deterministic_and_tracks_overlap()
    {
        var a = new MinHashIndex(3, 16, 8, 0.8, 7);
        var b = new MinHashIndex(3, 16, 8, 0.8, 7);
        string half = string.Join(' ', Lighthouse.Split(' ').Take(20)) + " and then something else entirely about boats and ropes and tides";
        Assert.Equal(a.EstimateSimilarity(Lighthouse, half), b.EstimateSimilarity(Lighthouse, half));
        Assert.Equal(1.0, a.EstimateSimilarity(Lighthouse, Lighthouse.ToUpperInvariant()));
        Assert.InRange(a.EstimateSimilarity(Lighthouse, half), 0.2, 0.7);
        Assert.InRange(a.EstimateSimilarity(Lighthouse, "Completely unrelated words about cooking rice in a pot."), 0.0, 0.05);
        Assert.Null(a.AddOrMatch(Lighthouse));
        Assert.Equal(0, a.AddOrMatch(Lighthouse + " ")!.Value.Match);
    }

    [Fact]
    public void Character_and_token_length_limits_drop_and_count()
    {
        using var dir = new TempFolder();
        var (records, report) = Clean(dir, "  dedupe: none\n  min_chars: 30\n  max_chars: 200",
            Chat("Hi", "Yo."),
            Chat("Tell me about the sea.", "The sea is wide, salty and always moving."),
            Chat("Long?", new string('z', 300)));
        Assert.Equal(["The sea is wide, salty and always moving."], Answers(records));
        Assert.Equal((1L, 1L), (report.Dropped[DropRule.TooShort], report.Dropped[DropRule.TooLong]));

        // Token limits count the templated sample: user turn + assistant turn with the test template's markers.
        File.WriteAllLines(dir.File("d.jsonl"), [Chat("Hi", "Yo."), Chat("Tell me about the sea.", "The sea is wide, salty and always moving.")]);
        var prepared = Prepare(dir, "datasets:\n  - {path: d.jsonl, type: messages}\nsequence_len: 512\ncleaning:\n  dedupe: none\n  min_tokens: 70\n  max_tokens: 200\n");
        Assert.Single(prepared.Train);
        Assert.Equal(1, prepared.Report.Dropped[DropRule.TooFewTokens]);
        var tight = Prepare(dir, "datasets:\n  - {path: d.jsonl, type: messages}\nsequence_len: 512\ncleaning:\n  dedupe: none\n  max_tokens: 80\n");
        Assert.Equal(1, tight.Report.Dropped[DropRule.TooManyTokens]);
    }
}
