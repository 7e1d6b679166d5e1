using System.Text;
using System.Text.Json;

namespace SharpTune.IO;

/// <summary>
/// The parsed and validated JSON header of a safetensors file. Parsing is strict: every fault a hostile or
/// broken file can carry (bad JSON, duplicate names, unknown dtypes, bad shapes, offsets out of bounds or
/// overlapping, sizes that do not match) becomes a <see cref="SharpTuneException"/> naming the file and tensor.
/// Gaps between tensors' data are allowed.
/// </summary>
internal sealed class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, string> metadata, SafetensorsTensorInfo[] tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>The <c>__metadata__</c> entries; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, sorted by where their data begins.</summary>
    public SafetensorsTensorInfo[] Tensors { get; }

    /// <summary>Parses and validates a header.</summary>
    /// <param name="json">The header bytes (UTF-8 JSON, possibly padded with trailing spaces).</param>
    /// <param name="dataLength">Length of the data section that follows the header.</param>
    /// <param name="path">The file, for error messages.</param>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<SafetensorsTensorInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Fault(path, $"header JSON is not an object (it starts with {Describe(reader.TokenType)})");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (name == MetadataKey)
                {
                    if (sawMetadata) throw Fault(path, $"\"{MetadataKey}\" appears twice in the header");
                    sawMetadata = true;
                    ReadMetadata(ref reader, metadata, path);
                    continue;
                }
                if (!seen.Add(name)) throw Fault(path, $"tensor '{name}' appears twice in the header (duplicate name)");
                tensors.Add(ReadTensor(ref reader, name, dataLength, path));
            }
            // Anything but whitespace after the object makes Read throw; the end of input makes it return false.
            if (reader.Read()) throw Fault(path, "header has more JSON after its top-level object");
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString on malformed UTF-8 and similar reader misuse caused by malformed input.
            throw new SharpTuneException($"{path}: header is not valid JSON: {e.Message}", e);
        }

        var sorted = tensors.ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            int c = a.DataBegin.CompareTo(b.DataBegin);
            if (c != 0) return c;
            c = a.DataEnd.CompareTo(b.DataEnd);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        CheckOverlaps(sorted, path);
        return new SafetensorsHeader(metadata, sorted);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
    {
        if (reader.TokenType == JsonTokenType.Null) return; // Python's safetensors treats null as "no metadata".
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fault(path, $"\"{MetadataKey}\" must be an object mapping strings to strings, not {Describe(reader.TokenType)}");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Fault(path, $"\"{MetadataKey}\" must map strings to strings, but key '{key}' holds {Describe(reader.TokenType)}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Fault(path, $"\"{MetadataKey}\" key '{key}' appears twice (duplicate key)");
        }
    }

    private static SafetensorsTensorInfo ReadTensor(ref Utf8JsonReader reader, string name, long dataLength, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fault(path, name, $"entry must be an object with dtype, shape and data_offsets, not {Describe(reader.TokenType)}");
        string? dtypeText = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtypeText != null) throw Fault(path, name, "field \"dtype\" appears twice");
                    if (reader.TokenType != JsonTokenType.String)
                        throw Fault(path, name, $"\"dtype\" must be a string, not {Describe(reader.TokenType)}");
                    dtypeText = reader.GetString()!;
                    break;
                case "shape":
                    if (shape != null) throw Fault(path, name, "field \"shape\" appears twice");
                    shape = ReadIntegers(ref reader, "shape", "shape dimension", name, path);
                    break;
                case "data_offsets":
                    if (offsets != null) throw Fault(path, name, "field \"data_offsets\" appears twice");
                    offsets = ReadIntegers(ref reader, "data_offsets", "data offset", name, path);
                    break;
                default:
                    reader.Skip(); // Unknown fields are tolerated, as Python's safetensors does.
                    break;
            }
        }

        if (dtypeText == null) throw Fault(path, name, "entry lacks the \"dtype\" field");
        if (shape == null) throw Fault(path, name, "entry lacks the \"shape\" field");
        if (offsets == null) throw Fault(path, name, "entry lacks the \"data_offsets\" field");
        if (!SafetensorsDtypes.TryParse(dtypeText, out var dtype))
            throw Fault(path, name, $"unknown dtype '{dtypeText}' (supported: F32, F16, BF16, F64, I8, U8, I16, I32, I64, BOOL)");
        if (offsets.Count != 2)
            throw Fault(path, name, $"\"data_offsets\" must hold exactly two integers [begin, end], not {offsets.Count}");

        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw Fault(path, name, $"data_offsets [{begin}, {end}] begin after they end");
        if (end > dataLength)
            throw Fault(path, name, $"data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes)");

        long expected;
        try
        {
            expected = SafetensorsDtypes.ElementSize(dtype);
            foreach (long dim in shape) expected = checked(expected * dim);
        }
        catch (OverflowException)
        {
            throw Fault(path, name, $"shape {SafetensorsDtypes.FormatShape(shape)} of dtype {dtypeText} overflows a 64-bit byte count");
        }
        if (expected != end - begin)
            throw Fault(path, name,
                $"dtype {dtypeText} with shape {SafetensorsDtypes.FormatShape(shape)} needs {expected} bytes, but data_offsets [{begin}, {end}] span {end - begin} (size mismatch)");

        return new SafetensorsTensorInfo(name, dtype, shape.ToArray(), begin, end);
    }

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string field, string what, string name, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Fault(path, name, $"\"{field}\" must be an array of non-negative integers, not {Describe(reader.TokenType)}");
        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
                throw Fault(path, name, $"\"{field}\" must be an array of non-negative integers, but holds {Describe(reader.TokenType)}");
            string text = Encoding.UTF8.GetString(reader.ValueSpan);
            if (!reader.TryGetInt64(out long value))
                throw Fault(path, name, $"{what} {text} is not an integer (or is out of range)");
            if (value < 0)
                throw Fault(path, name, $"{what} {text} is negative");
            values.Add(value);
        }
        return values;
    }

    private static void CheckOverlaps(SafetensorsTensorInfo[] sorted, string path)
    {
        // Zero-byte tensors occupy no bytes and so overlap nothing; among the others each must start at or
        // after the furthest end seen so far.
        SafetensorsTensorInfo? furthest = null;
        foreach (var t in sorted)
        {
            if (t.DataBegin == t.DataEnd) continue;
            if (furthest != null && t.DataBegin < furthest.DataEnd)
                throw Fault(path, t.Name,
                    $"data_offsets [{t.DataBegin}, {t.DataEnd}] overlap those of tensor '{furthest.Name}' [{furthest.DataBegin}, {furthest.DataEnd}]");
            if (furthest == null || t.DataEnd > furthest.DataEnd) furthest = t;
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.None => "nothing",
        _ => token.ToString(),
    };

    private static SharpTuneException Fault(string path, string message) => new($"{path}: {message}");

    private static SharpTuneException Fault(string path, string tensor, string message) => new($"{path}: tensor '{tensor}': {message}");
}
