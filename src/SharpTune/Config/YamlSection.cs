using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace SharpTune.Config;

/// <summary>
/// One mapping of a YAML config (the top level, or a nested block such as one <c>datasets</c> entry), read key by key
/// so that every error names the file, the line and the key path. Reading a key marks it used;
/// <see cref="RejectUnknownKeys"/> then reports any key nobody read.
/// </summary>
public sealed class YamlSection
{
    private readonly YamlMappingNode node;
    private readonly HashSet<string> read = new();

    internal YamlSection(string file, YamlMappingNode node, string keyPath)
    {
        File = file;
        this.node = node;
        KeyPath = keyPath;
    }

    /// <summary>The config file's path.</summary>
    public string File { get; }

    /// <summary>Where this mapping sits, e.g. <c>datasets[1]</c>; empty at the top level.</summary>
    public string KeyPath { get; }

    /// <summary>The 1-based line where this mapping starts.</summary>
    public int Line => (int)node.Start.Line;

    /// <summary>The keys this mapping holds, in file order.</summary>
    public IEnumerable<string> Keys => node.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? "");

    private string Qualified(string key) => KeyPath.Length == 0 ? key : $"{KeyPath}.{key}";

    /// <summary>An error that names the file, the line of <paramref name="at"/> and the key.</summary>
    public SharpTuneException Error(YamlNode at, string key, string message) =>
        new($"{File}:{at.Start.Line}: {Qualified(key)}: {message}");

    /// <summary>An error that names the file, the line of the value of <paramref name="key"/> (or of this mapping) and the key.</summary>
    public SharpTuneException Error(string key, string message) =>
        Error(Peek(key) ?? node, key, message);

    private YamlNode? Peek(string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private YamlNode? Node(string key)
    {
        read.Add(key);
        return Peek(key);
    }

    /// <summary>Whether the mapping has <paramref name="key"/> (does not mark it read).</summary>
    public bool Has(string key) => Peek(key) is not null;

    /// <summary>A string value, or <paramref name="fallback"/> when the key is absent.</summary>
    public string? String(string key, string? fallback = null) => Node(key) switch
    {
        null => fallback,
        YamlScalarNode s => s.Value,
        var other => throw Error(other, key, "expected a single value"),
    };

    /// <summary>A string the config must give.</summary>
    public string RequiredString(string key) =>
        String(key) ?? throw (KeyPath.Length == 0
            ? new SharpTuneException($"{File}: required key '{key}' is missing")
            : new SharpTuneException($"{File}:{Line}: {KeyPath}: required key '{key}' is missing"));

    /// <summary>An integer value.</summary>
    public long Long(string key, long fallback) => OptionalLong(key) ?? fallback;

    /// <summary>An integer value, or null when the key is absent.</summary>
    public long? OptionalLong(string key)
    {
        var value = Node(key);
        if (value is null) return null;
        if (value is YamlScalarNode s && long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)) return v;
        throw Error(value, key, $"expected an integer, got '{(value as YamlScalarNode)?.Value}'");
    }

    /// <summary>A number value.</summary>
    public double Double(string key, double fallback)
    {
        var value = Node(key);
        if (value is null) return fallback;
        if (value is YamlScalarNode s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        throw Error(value, key, $"expected a number, got '{(value as YamlScalarNode)?.Value}'");
    }

    /// <summary>A true/false value.</summary>
    public bool Bool(string key, bool fallback)
    {
        var value = Node(key);
        if (value is null) return fallback;
        if (value is YamlScalarNode s)
        {
            switch (s.Value?.ToLowerInvariant())
            {
                case "true": return true;
                case "false": return false;
            }
        }
        throw Error(value, key, $"expected true or false, got '{(value as YamlScalarNode)?.Value}'");
    }

    /// <summary>A list of strings; a single value counts as a list of one. Empty when the key is absent.</summary>
    public IReadOnlyList<string> StringList(string key)
    {
        var value = Node(key);
        switch (value)
        {
            case null: return [];
            case YamlScalarNode s: return [s.Value ?? ""];
            case YamlSequenceNode seq:
                var items = new List<string>();
                for (int i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is not YamlScalarNode item) throw Error(seq.Children[i], $"{key}[{i}]", "expected a single value");
                    items.Add(item.Value ?? "");
                }
                return items;
            default: throw Error(value, key, "expected a list of values");
        }
    }

    /// <summary>Whether <paramref name="key"/> holds a list rather than a single value (does not mark it read).</summary>
    public bool IsList(string key) => Peek(key) is YamlSequenceNode;

    /// <summary>A nested mapping, or null when the key is absent.</summary>
    public YamlSection? Section(string key) => Node(key) switch
    {
        null => null,
        YamlMappingNode map => new YamlSection(File, map, Qualified(key)),
        var other => throw Error(other, key, "expected a mapping of keys"),
    };

    /// <summary>A list of mappings; empty when the key is absent.</summary>
    public IReadOnlyList<YamlSection> SectionList(string key, string example)
    {
        var value = Node(key);
        if (value is null) return [];
        if (value is not YamlSequenceNode seq) throw Error(value, key, "expected a list");
        var items = new List<YamlSection>();
        for (int i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is not YamlMappingNode item) throw Error(seq.Children[i], $"{key}[{i}]", $"expected a mapping such as {example}");
            items.Add(new YamlSection(File, item, $"{Qualified(key)}[{i}]"));
        }
        return items;
    }

    /// <summary>A mapping of names to single values (e.g. <c>columns: {instruction: question}</c>); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        var section = Section(key);
        if (section is null) return new Dictionary<string, string>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in section.Keys) map[name] = section.String(name) ?? "";
        return map;
    }

    /// <summary>A mapping of names to lists of values (e.g. <c>roles: {user: [human, user]}</c>); empty when absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> StringListMap(string key)
    {
        var section = Section(key);
        if (section is null) return new Dictionary<string, IReadOnlyList<string>>();
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var name in section.Keys) map[name] = section.StringList(name);
        return map;
    }

    /// <summary>Marks <paramref name="key"/> as read without reading it (a key another reader owns).</summary>
    public void Mark(string key) => read.Add(key);

    /// <summary>Fails on the first key that no reader asked for (a typo, or a setting this command does not have).</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (k, _) in node.Children)
        {
            string name = (k as YamlScalarNode)?.Value ?? "";
            if (read.Contains(name)) continue;
            string where = KeyPath.Length == 0 ? "" : $"{KeyPath}: ";
            throw new SharpTuneException($"{File}:{k.Start.Line}: {where}unknown key '{name}' (known: {string.Join(", ", read.Order())})");
        }
    }
}
