using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>
/// Reads JSON Lines (one object per line) and JSON documents (an array of objects, or an object whose
/// <c>data</c> or <c>train</c> key holds that array), keeping the line where each record starts.
/// A <c>.json</c> file that holds several values one after another is read as JSON Lines, as Hugging Face datasets does.
/// <c>.jsonl</c> files are streamed line by line (any size); a <c>.json</c> document is read whole (up to 2 GiB).
/// </summary>
internal static class JsonRecordReader
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 128 };

    public static IEnumerable<SourceRecord> Read(string file, int dataset, BadRecordSink sink)
    {
        if (Path.GetExtension(file).ToLowerInvariant() is ".jsonl" or ".ndjson") return StreamLines(file, dataset, sink);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (IOException e)
        {
            throw new SharpTuneException($"{file}: cannot read: {e.Message}");
        }
        catch (OutOfMemoryException)
        {
            throw new SharpTuneException($"{file}: too large to read as one JSON document; write it as JSON Lines (.jsonl)");
        }
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        return IsSingleDocument(bytes, start)
            ? ReadDocument(file, bytes, start, dataset, sink)
            : ReadLines(file, bytes, start, dataset, sink);
    }

    /// <summary>Whether the file is one JSON value (an array, or an object holding one); false for JSON Lines.</summary>
    private static bool IsSingleDocument(byte[] bytes, int start)
    {
        int first = FirstNonSpace(bytes, start);
        if (first < 0) return false;
        if (bytes[first] == (byte)'[') return true;
        if (bytes[first] != (byte)'{') return false;
        var reader = new Utf8JsonReader(bytes.AsSpan(first), new JsonReaderOptions { MaxDepth = 128 });
        try
        {
            if (!reader.Read()) return false;
            reader.Skip();
        }
        catch (JsonException)
        {
            return false; // a first line that is not valid JSON is reported line by line
        }
        int rest = FirstNonSpace(bytes, first + (int)reader.BytesConsumed);
        if (rest >= 0) return false; // more values follow: JSON Lines
        var obj = JsonNode.Parse(bytes.AsSpan(first), documentOptions: Options) as JsonObject;
        return obj is not null && (obj["data"] is JsonArray || obj["train"] is JsonArray);
    }

    private static int FirstNonSpace(byte[] bytes, int from)
    {
        for (int i = from; i < bytes.Length; i++)
            if (bytes[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return i;
        return -1;
    }

    private static IEnumerable<SourceRecord> StreamLines(string file, int dataset, BadRecordSink sink)
    {
        long lineNo = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (Parse(Encoding.UTF8.GetBytes(line), new RecordOrigin(file, Line: lineNo), dataset, sink) is { } record) yield return record;
        }
    }

    private static SourceRecord? Parse(ReadOnlySpan<byte> line, RecordOrigin origin, int dataset, BadRecordSink sink)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line, documentOptions: Options);
        }
        catch (JsonException e)
        {
            sink.Reject(dataset, origin, null, $"invalid JSON: {FirstSentence(e.Message)}");
            return null;
        }
        if (node is JsonObject obj) return new SourceRecord(obj, origin);
        sink.Reject(dataset, origin, null, $"expected a JSON object, got {Kind(node)}");
        return null;
    }

    private static IEnumerable<SourceRecord> ReadLines(string file, byte[] bytes, int start, int dataset, BadRecordSink sink)
    {
        int lineNo = 0, pos = start;
        while (pos < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', pos);
            if (end < 0) end = bytes.Length;
            var line = bytes.AsMemory(pos, end - pos);
            lineNo++;
            pos = end + 1;
            if (line.Span.Trim(" \t\r"u8).IsEmpty) continue;
            if (Parse(line.Span, new RecordOrigin(file, Line: lineNo), dataset, sink) is { } record) yield return record;
        }
    }

    private static IEnumerable<SourceRecord> ReadDocument(string file, byte[] bytes, int start, int dataset, BadRecordSink sink)
    {
        var lines = new LineCounter(bytes, start);
        foreach (var (node, offset) in ParseDocument(file, bytes, start))
        {
            var origin = new RecordOrigin(file, Line: lines.LineAt(start + offset));
            if (node is JsonObject obj) yield return new SourceRecord(obj, origin);
            else sink.Reject(dataset, origin, null, $"expected a JSON object, got {Kind(node)}");
        }
    }

    private static List<(JsonNode? Node, long Offset)> ParseDocument(string file, byte[] bytes, int start)
    {
        var records = new List<(JsonNode? Node, long Offset)>();
        try
        {
            var reader = new Utf8JsonReader(bytes.AsSpan(start), new JsonReaderOptions { MaxDepth = 128 });
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                bool found = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (!found && name is "data" or "train" && reader.TokenType == JsonTokenType.StartArray)
                    {
                        ReadArray(ref reader, records);
                        found = true;
                    }
                    else reader.Skip();
                }
            }
            else ReadArray(ref reader, records);
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{file}:{(e.LineNumber ?? 0) + 1}: invalid JSON: {FirstSentence(e.Message)}");
        }
        return records;
    }

    private static void ReadArray(ref Utf8JsonReader reader, List<(JsonNode?, long)> records)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            long offset = reader.TokenStartIndex;
            var element = JsonElement.ParseValue(ref reader);
            records.Add((element.ValueKind == JsonValueKind.Object ? JsonObject.Create(element) : JsonValue.Create(element), offset));
        }
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            _ => "true or false",
        },
        _ => "something else",
    };

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>Turns byte offsets (asked for in increasing order) into 1-based line numbers.</summary>
    private sealed class LineCounter(byte[] bytes, int start)
    {
        private long position = start;
        private long line = 1;

        public long LineAt(long offset)
        {
            for (; position < offset && position < bytes.Length; position++)
                if (bytes[position] == (byte)'\n') line++;
            return line;
        }
    }
}
