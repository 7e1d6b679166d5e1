using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>Typed reads of a record's fields that fail with the field named (<see cref="RecordFormatException"/>).</summary>
internal static class FieldValues
{
    /// <summary>A text field: a string, or a number or boolean read as its text. Missing or null fails.</summary>
    public static string RequiredText(JsonObject o, string field, string path = "") =>
        OptionalText(o, field, path) ?? throw new RecordFormatException(path + field, o.ContainsKey(field) ? "is null" : "missing");

    /// <summary>A text field, or null when it is missing or null.</summary>
    public static string? OptionalText(JsonObject o, string field, string path = "") => AsText(o[field], path + field);

    /// <summary>A JSON value as text: a string, or a number or boolean read as its text.</summary>
    public static string? AsText(JsonNode? node, string field) => node switch
    {
        null => null,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw new RecordFormatException(field, $"expected text, got {Describe(node)}"),
        },
        _ => throw new RecordFormatException(field, $"expected text, got {Describe(node)}"),
    };

    /// <summary>A list field: a JSON array, or text holding one (as a CSV cell or a SQLite column would).</summary>
    public static JsonArray RequiredList(JsonObject o, string field) => o[field] switch
    {
        null => throw new RecordFormatException(field, o.ContainsKey(field) ? "is null" : "missing"),
        var node => AsList(node, field),
    };

    /// <summary>A JSON value as a list: an array, or a string holding a JSON array.</summary>
    public static JsonArray AsList(JsonNode node, string field)
    {
        if (node is JsonArray array) return array;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().TrimStart().StartsWith('['))
        {
            try
            {
                if (JsonNode.Parse(v.GetValue<string>()) is JsonArray parsed) return parsed;
            }
            catch (JsonException e)
            {
                throw new RecordFormatException(field, $"holds text that is not a valid JSON list: {e.Message}");
            }
        }
        throw new RecordFormatException(field, $"expected a list, got {Describe(node)}");
    }

    /// <summary>Describes a value's kind for messages: "a number", "an object", …</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "text",
            JsonValueKind.Number => string.Create(CultureInfo.InvariantCulture, $"the number {v.ToJsonString()}"),
            _ => v.ToJsonString(),
        },
        _ => "an unknown value",
    };
}
