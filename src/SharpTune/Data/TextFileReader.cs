using System.Text;
using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>Reads plain text: each paragraph (lines up to a blank line) becomes a record <c>{text}</c>, at the line where it starts.</summary>
internal static class TextFileReader
{
    public static IEnumerable<SourceRecord> Read(string file)
    {
        var paragraph = new StringBuilder();
        long lineNo = 0, start = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                if (paragraph.Length > 0) yield return Paragraph(file, start, paragraph);
                continue;
            }
            if (paragraph.Length == 0) start = lineNo;
            else paragraph.Append('\n');
            paragraph.Append(line.TrimEnd());
        }
        if (paragraph.Length > 0) yield return Paragraph(file, start, paragraph);
    }

    private static SourceRecord Paragraph(string file, long line, StringBuilder text)
    {
        var record = new SourceRecord(new JsonObject { ["text"] = text.ToString() }, new RecordOrigin(file, Line: line));
        text.Clear();
        return record;
    }
}
