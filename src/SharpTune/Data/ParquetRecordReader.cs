using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using Parquet.Serialization;

namespace SharpTune.Data;

/// <summary>
/// Reads a Parquet file: each row becomes a record, numbered from 1 across row groups. Strings, numbers and booleans
/// keep their type; lists and structs (e.g. a <c>conversations</c> column of {from, value}) become JSON arrays and objects.
/// </summary>
internal static class ParquetRecordReader
{
    public static IEnumerable<SourceRecord> Read(string file)
    {
        IList<Dictionary<string, object?>> rows;
        try
        {
            using var stream = File.OpenRead(file);
            rows = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult().Data!;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new SharpTuneException($"{file}: not a readable Parquet file: {e.Message}");
        }
        for (int i = 0; i < rows.Count; i++)
        {
            var fields = new JsonObject();
            foreach (var (name, value) in rows[i]) fields[name] = ToJson(value);
            yield return new SourceRecord(fields, new RecordOrigin(file, Row: i + 1));
        }
    }

    /// <summary>A Parquet value as JSON: strings, numbers and booleans as such, lists and structs nested, other values as text.</summary>
    internal static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        ReadOnlyMemory<char> m => JsonValue.Create(m.ToString()),
        bool b => JsonValue.Create(b),
        byte or sbyte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        float or double or decimal => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        DateTime d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset d => JsonValue.Create(d.ToString("O", CultureInfo.InvariantCulture)),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        IDictionary dict => Object(dict),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static JsonObject Object(IDictionary dict)
    {
        var obj = new JsonObject();
        var entries = dict.GetEnumerator();
        while (entries.MoveNext()) obj[Convert.ToString(entries.Key, CultureInfo.InvariantCulture) ?? ""] = ToJson(entries.Value);
        return obj;
    }
}
