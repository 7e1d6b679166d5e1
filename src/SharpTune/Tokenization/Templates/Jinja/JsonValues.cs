using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Turns JSON into template values the way Python's <c>json.loads</c> would: objects become dicts (order kept),
/// arrays lists, numbers int when written without a fraction or exponent and float otherwise.
/// </summary>
internal static class JsonValues
{
    public static object? FromNode(JsonNode? node, int depth = 0)
    {
        if (depth > 200) throw new SharpTuneException("JSON value is nested more than 200 deep");
        switch (node)
        {
            case null: return null;
            case JsonObject obj:
                var d = new PyDict();
                foreach (var (k, v) in obj) d.Set(k, FromNode(v, depth + 1));
                return d;
            case JsonArray arr:
                return new PyList(arr.Select(x => FromNode(x, depth + 1)).ToArray());
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String: return value.GetValue<string>();
                    case JsonValueKind.True: return true;
                    case JsonValueKind.False: return false;
                    case JsonValueKind.Null: return null;
                    case JsonValueKind.Number:
                        var text = value.ToJsonString();
                        if (text.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                }
                break;
        }
        throw new SharpTuneException("unsupported JSON value: " + node.ToJsonString());
    }
}
