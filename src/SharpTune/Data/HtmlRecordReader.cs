using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>Reads an HTML page as one record <c>{text}</c> holding its visible text (see <see cref="HtmlVisibleText"/>).</summary>
internal static class HtmlRecordReader
{
    /// <summary>Pages larger than this are refused (64 MiB).</summary>
    public const long MaxBytes = 64L << 20;

    public static IEnumerable<SourceRecord> Read(string file, int dataset, BadRecordSink sink)
    {
        long size = new FileInfo(file).Length;
        if (size > MaxBytes)
        {
            sink.Reject(dataset, new RecordOrigin(file), null, $"the page is {size:N0} bytes, over the {MaxBytes:N0}-byte limit");
            yield break;
        }
        string text = HtmlVisibleText.Extract(File.ReadAllText(file));
        yield return new SourceRecord(new JsonObject { ["text"] = text }, new RecordOrigin(file));
    }
}
