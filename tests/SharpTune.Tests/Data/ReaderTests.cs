using Microsoft.Data.Sqlite;
using Parquet.Schema;
using Parquet.Serialization;
using SharpTune.Data;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class ReaderTests
{
    [Fact]
    public void Jsonl_records_keep_their_line_and_blank_lines_are_skipped()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.jsonl"), "{\"text\": \"one\"}\n\n{\"text\": \"two\"}\r\n  \n{\"text\": \"three\"}");
        var (records, _) = Records(dir, "  - {path: d.jsonl, type: text}");
        Assert.Equal(["one", "two", "three"], records.Cast<TextSample>().Select(r => r.Text));
        Assert.Equal([1L, 3L, 5L], records.Select(r => r.Origin.Line));
        Assert.Equal(dir.File("d.jsonl"), records[0].Origin.File);
    }

    [Theory]
    [InlineData("[\n  {\"text\": \"a\"},\n\n  {\"text\": \"b\"}\n]")]
    [InlineData("{\"version\": 1,\n \"data\": [\n  {\"text\": \"a\"},\n\n  {\"text\": \"b\"}]}")]
    [InlineData("{\"train\": [\n  {\"text\": \"a\"},\n\n  {\"text\": \"b\"}], \"other\": [1]}")]
    public void Json_documents_give_records_with_the_line_each_starts_on(string json)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.json"), json);
        var (records, _) = Records(dir, "  - {path: d.json, type: text}");
        Assert.Equal(["a", "b"], records.Cast<TextSample>().Select(r => r.Text));
        Assert.Equal(records[0].Origin.Line + 2, records[1].Origin.Line);
    }

    [Fact]
    public void A_json_file_of_several_objects_is_read_as_json_lines()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.json"), "{\"text\": \"a\"}\n{\"text\": \"b\"}\n");
        var (records, _) = Records(dir, "  - {path: d.json, type: text}");
        Assert.Equal([1L, 2L], records.Select(r => r.Origin.Line));
    }

    [Fact]
    public void Csv_handles_quotes_commas_and_line_breaks_and_maps_columns()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("faq.csv"),
            "question,answer,extra\n" +
            "\"Where is the pier?\",\"At the end of the road, past the \"\"old\"\" mill.\",x\n" +
            "\"Two\nlines\",\"Reply\non two lines\",y\n" +
            "plain,simple,z\n");
        var (records, _) = Records(dir, "  - path: faq.csv\n    type: alpaca\n    columns: {instruction: question, output: answer}");
        var chats = records.Cast<Conversation>().ToList();
        Assert.Equal(3, chats.Count);
        Assert.Equal("Where is the pier?", chats[0].Messages[0].Content);
        Assert.Equal("At the end of the road, past the \"old\" mill.", chats[0].Messages[1].Content);
        Assert.Equal("Two\nlines", chats[1].Messages[0].Content);
        Assert.Equal("Reply\non two lines", chats[1].Messages[1].Content);
        Assert.Equal([2L, 3L, 6L], records.Select(r => r.Origin.Line)); // the second record spans lines 3-5
    }

    [Fact]
    public void A_malformed_csv_row_is_a_bad_record_at_its_line()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("t.csv"), "text,id\nfine,1\nstray\"quote,2\nshort\nalso fine,3\n");
        var e = Assert.Throws<SharpTuneException>(() => Records(dir, "  - {path: t.csv, type: text}"));
        Assert.Contains("t.csv:3: malformed CSV", e.Message);

        var (records, report) = Records(dir, "  - {path: t.csv, type: text}", "skip_bad_records: true");
        Assert.Equal(["fine", "also fine"], records.Cast<TextSample>().Select(r => r.Text));
        Assert.Equal(2, report.Datasets[0].Bad);
        Assert.EndsWith("t.csv:4", report.BadRecords[1].Position);
        Assert.Contains("1 fields, the header 2", report.BadRecords[1].Detail);
    }

    [Fact]
    public async Task Parquet_rows_are_read_with_types_nested_lists_and_row_numbers()
    {
        using var dir = new TempFolder();
        var schema = new ParquetSchema(
            new DataField<string>("id"), new DataField<int>("n"),
            new ListField("conversations", new StructField("element", new DataField<string>("from"), new DataField<string>("value"))));
        var rows = new List<IDictionary<string, object?>>
        {
            new Dictionary<string, object?>
            {
                ["id"] = "a", ["n"] = 1,
                ["conversations"] = new List<Dictionary<string, object?>> { new() { ["from"] = "human", ["value"] = "Hi" }, new() { ["from"] = "gpt", ["value"] = "Hello!" } },
            },
            new Dictionary<string, object?>
            {
                ["id"] = "b", ["n"] = 2,
                ["conversations"] = new List<Dictionary<string, object?>> { new() { ["from"] = "human", ["value"] = "2+2?" }, new() { ["from"] = "gpt", ["value"] = "4" } },
            },
        };
        await using (var stream = File.Create(dir.File("chats.parquet")))
            await ParquetSerializer.SerializeUntypedAsync(rows, schema, stream);

        var (records, _) = Records(dir, "  - {path: chats.parquet, type: sharegpt}");
        var chats = records.Cast<Conversation>().ToList();
        Assert.Equal([new("user", "Hi"), new("assistant", "Hello!")], chats[0].Messages);
        Assert.Equal("4", chats[1].Messages[1].Content);
        Assert.Equal([1L, 2L], records.Select(r => r.Origin.Row));
        Assert.EndsWith("chats.parquet: row 2", records[1].Origin.ToString());

        // The int column reads as a number: usable as text by the text format's field.
        var (numbers, _) = Records(dir, "  - {path: chats.parquet, type: text, field: n}");
        Assert.Equal(["1", "2"], numbers.Cast<TextSample>().Select(r => r.Text));
    }

    [Fact]
    public void Html_keeps_visible_text_only_with_blocks_as_paragraphs()
    {
        string html = """
            <!DOCTYPE html><html><head><title>Not shown</title><style>p { color: red }</style>
            <script>var hidden = "script text";</script></head>
            <body>
              <noscript>Enable scripts</noscript><template><p>template text</p></template>
              <h1>The   Harbour</h1>
              <div>Boats <b>come</b>
                   home.<div>Nested <i>block</i>.</div>after nested</div>
              <p>Line one<br>line two</p>
              <p hidden>hidden paragraph</p><p style="display: none">also hidden</p>
              <ul><li>first</li><li>second</li></ul>
              <table><tr><td>a</td><td>b</td></tr></table>
              <pre>keep
            lines</pre>
              <script>console.log("late script")</script>
            </body></html>
            """;
        string text = HtmlVisibleText.Extract(html);
        Assert.Equal("The Harbour\n\nBoats come home.\n\nNested block.\n\nafter nested\n\nLine one\nline two\n\nfirst\n\nsecond\n\na b\n\nkeep\nlines", text);
    }

    [Fact]
    public void Html_folders_and_globs_give_one_text_record_per_page()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("pages/sub"));
        File.WriteAllText(dir.File("pages/a.html"), "<p>Page A</p><script>x()</script>");
        File.WriteAllText(dir.File("pages/sub/b.htm"), "<p>Page B</p>");
        File.WriteAllText(dir.File("pages/notes.bin"), "ignored");
        var (folder, _) = Records(dir, "  - {path: pages, type: text}");
        Assert.Equal(["Page A", "Page B"], folder.Cast<TextSample>().Select(r => r.Text));
        var (glob, _) = Records(dir, "  - {path: pages/*.html, type: text}");
        Assert.Equal(["Page A"], glob.Cast<TextSample>().Select(r => r.Text));
        var (deep, _) = Records(dir, "  - {path: pages/**/*.htm, type: text}");
        Assert.Equal(["Page B"], deep.Cast<TextSample>().Select(r => r.Text));

        var e = Assert.Throws<SharpTuneException>(() => Records(dir, "  - {path: pages/a.html, type: alpaca}"));
        Assert.Contains("holds plain text; use type: text", e.Message);
    }

    [Fact]
    public void Sqlite_runs_the_query_read_only_and_names_rows()
    {
        using var dir = new TempFolder();
        string db = dir.File("faq.db");
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE faq (id INTEGER, question TEXT, answer TEXT, score REAL);
                INSERT INTO faq VALUES (1, 'What is a buoy?', 'A floating marker.', 0.9), (2, 'Skip me', 'no', 0.1), (3, 'What is a quay?', 'A stone landing place.', 0.8);
                """;
            command.ExecuteNonQuery();
        }
        var (records, _) = Records(dir, "  - path: faq.db\n    type: alpaca\n    query: SELECT question AS instruction, answer AS output FROM faq WHERE score > 0.5 ORDER BY id");
        var chats = records.Cast<Conversation>().ToList();
        Assert.Equal(["What is a buoy?", "What is a quay?"], chats.Select(c => c.Messages[0].Content));
        Assert.Equal([1L, 2L], records.Select(r => r.Origin.Row));

        var write = Assert.Throws<SharpTuneException>(() => Records(dir, "  - path: faq.db\n    type: alpaca\n    query: DELETE FROM faq"));
        Assert.Contains("readonly", write.Message.Replace(" ", "").ToLowerInvariant());
        var bad = Assert.Throws<SharpTuneException>(() => Records(dir, "  - path: faq.db\n    type: alpaca\n    query: SELECT nope FROM faq"));
        Assert.Contains("run.yaml:2: datasets[0]: query on", bad.Message);
        Assert.Contains("no such column", bad.Message);
        var missing = Assert.Throws<SharpTuneException>(() => Records(dir, "  - {path: faq.db, type: alpaca}"));
        Assert.Contains("needs a 'query'", missing.Message);
    }

    [Fact]
    public void Text_files_give_one_record_per_paragraph()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("story.txt"), "Title\n\nFirst line\nsecond line\n\n\n  \nLast paragraph\n");
        var (records, _) = Records(dir, "  - {path: story.txt, type: text}");
        Assert.Equal(["Title", "First line\nsecond line", "Last paragraph"], records.Cast<TextSample>().Select(r => r.Text));
        Assert.Equal([1L, 3L, 8L], records.Select(r => r.Origin.Line));
    }
}
