using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>
/// What a tokenizer folder's <c>tokenizer_config.json</c> says beyond tokenizer.json: the special-token strings,
/// whether bos/eos are added, and the Jinja chat template(s).
/// </summary>
public sealed class TokenizerConfig
{
    /// <summary>The file name transformers uses.</summary>
    public const string FileName = "tokenizer_config.json";

    /// <summary>The beginning-of-sequence token text, e.g. <c>&lt;s&gt;</c>.</summary>
    public string? BosToken { get; init; }

    /// <summary>The end-of-sequence token text.</summary>
    public string? EosToken { get; init; }

    /// <summary>The padding token text.</summary>
    public string? PadToken { get; init; }

    /// <summary>The unknown-token text.</summary>
    public string? UnkToken { get; init; }

    /// <summary><c>add_bos_token</c>, when the file sets it.</summary>
    public bool? AddBosToken { get; init; }

    /// <summary><c>add_eos_token</c>, when the file sets it.</summary>
    public bool? AddEosToken { get; init; }

    /// <summary><c>model_max_length</c>, when the file sets it to a usable number.</summary>
    public long? ModelMaxLength { get; init; }

    /// <summary>The chat templates by name; a single-string <c>chat_template</c> is named <c>default</c>.</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary>The default chat template, if the file has one.</summary>
    public string? ChatTemplate => ChatTemplates.TryGetValue("default", out var t) ? t : null;

    /// <summary>Every key of the file, for the values chat templates may read (e.g. other special tokens).</summary>
    public JsonObject Raw { get; init; } = [];

    /// <summary>Reads <c>tokenizer_config.json</c> in <paramref name="folder"/>; a folder without one gives an empty config.</summary>
    public static TokenizerConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return new TokenizerConfig();
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        return FromJson(node as JsonObject ?? throw new SharpTuneException($"{path}: must hold a JSON object"), path);
    }

    /// <summary>Reads the fields from a parsed <c>tokenizer_config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static TokenizerConfig FromJson(JsonObject obj, string source)
    {
        var json = new ConfigJson(obj, source);
        long? maxLength = null;
        if (obj["model_max_length"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out double d) && d >= 1 && d < 1e12)
            maxLength = (long)d;
        return new TokenizerConfig
        {
            BosToken = TokenText(obj, "bos_token", source),
            EosToken = TokenText(obj, "eos_token", source),
            PadToken = TokenText(obj, "pad_token", source),
            UnkToken = TokenText(obj, "unk_token", source),
            AddBosToken = json.Bool("add_bos_token"),
            AddEosToken = json.Bool("add_eos_token"),
            ModelMaxLength = maxLength,
            ChatTemplates = ReadChatTemplates(obj, source),
            Raw = obj,
        };
    }

    /// <summary>A special token as tokenizer_config.json writes it: a string, or an AddedToken object with <c>content</c>.</summary>
    internal static string? TokenText(JsonObject obj, string key, string source)
    {
        var node = obj[key];
        return node switch
        {
            null => null,
            JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
            JsonObject o when o["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String => c.GetValue<string>(),
            _ => throw new SharpTuneException($"{source}: key '{key}' must be a string or an object with 'content', got {node.ToJsonString()}"),
        };
    }

    private static Dictionary<string, string> ReadChatTemplates(JsonObject obj, string source)
    {
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (obj["chat_template"])
        {
            case null:
                break;
            case JsonValue s when s.GetValueKind() == JsonValueKind.String:
                templates["default"] = s.GetValue<string>();
                break;
            case JsonArray list:
                for (int i = 0; i < list.Count; i++)
                {
                    if (list[i] is not JsonObject item || item["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String
                        || item["template"] is not JsonValue template || template.GetValueKind() != JsonValueKind.String)
                        throw new SharpTuneException($"{source}: chat_template[{i}] must be an object with string 'name' and 'template'");
                    templates[name.GetValue<string>()] = template.GetValue<string>();
                }
                break;
            case var other:
                throw new SharpTuneException($"{source}: key 'chat_template' must be a string or a list of {{name, template}}, got {other.ToJsonString()[..Math.Min(80, other.ToJsonString().Length)]}");
        }
        return templates;
    }
}
