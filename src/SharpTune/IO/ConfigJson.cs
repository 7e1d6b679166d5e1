using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.IO;

/// <summary>Typed, error-naming reads of keys from a JSON object such as config.json.</summary>
internal sealed class ConfigJson(JsonObject obj, string source)
{
    public string Source => source;

    /// <summary>Reads the JSON object in the file at <paramref name="path"/>; a missing file, bad JSON or another value is an error naming it.</summary>
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SharpTuneException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: invalid JSON: {e.Message}");
        }
    }

    public SharpTuneException Missing(string key) => new($"{source}: required key '{key}' is missing");

    private SharpTuneException WrongType(string key, string expected, JsonNode node) =>
        new($"{source}: key '{key}' must be {expected}, got {node.ToJsonString()}");

    private JsonValue? Value(string key, string expected)
    {
        var node = obj[key];
        if (node is null) return null;
        return node as JsonValue ?? throw WrongType(key, expected, node);
    }

    public string? String(string key)
    {
        var v = Value(key, "a string");
        if (v is null) return null;
        return v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw WrongType(key, "a string", v);
    }

    public long? Long(string key)
    {
        var node = obj[key];
        return node is null ? null : AsLong(node, key);
    }

    // Values built in code (JsonValue.Create(32)) and parsed ones (JsonElement) both read through their JSON text.
    private long AsLong(JsonNode node, string key)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            string text = v.ToJsonString();
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l)) return l;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 1e15)
                return (long)d;
        }
        throw WrongType(key, "an integer", node);
    }

    public double? Double(string key)
    {
        var v = Value(key, "a number");
        if (v is null) return null;
        return v.GetValueKind() == JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : throw WrongType(key, "a number", v);
    }

    public bool? Bool(string key)
    {
        var v = Value(key, "true or false");
        if (v is null) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, "true or false", v),
        };
    }

    public JsonObject? Object(string key)
    {
        var node = obj[key];
        if (node is null) return null;
        return node as JsonObject ?? throw WrongType(key, "an object", node);
    }

    /// <summary>One integer or a list of integers (as HF writes eos_token_id).</summary>
    public IReadOnlyList<long> LongList(string key)
    {
        var node = obj[key];
        if (node is null) return [];
        if (node is JsonArray arr)
            return arr.Select(item => item is null ? throw WrongType(key, "a list of integers", node) : AsLong(item, key)).ToList();
        return [AsLong(node, key)];
    }
}
