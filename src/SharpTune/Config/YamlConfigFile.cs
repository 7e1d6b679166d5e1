using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SharpTune.Config;

/// <summary>
/// A YAML run config read as a tree, so that every error names the file, the line and the key path.
/// Reading a key marks it used; <see cref="RejectUnknownKeys"/> then reports any key nobody read.
/// </summary>
public sealed class YamlConfigFile
{
    private readonly string path;
    private readonly YamlMappingNode root;
    private readonly HashSet<string> read = new();

    private YamlConfigFile(string path, YamlMappingNode root)
    {
        this.path = path;
        this.root = root;
    }

    /// <summary>Parses <paramref name="path"/>; the top level must be a mapping.</summary>
    public static YamlConfigFile Load(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: config file not found");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new SharpTuneException($"{path}:{e.Start.Line}: invalid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new SharpTuneException($"{path}: expected a mapping of keys at the top level");
        return new YamlConfigFile(path, map);
    }

    /// <summary>The config file's path.</summary>
    public string Path => path;

    private SharpTuneException Error(YamlNode node, string key, string message) =>
        new($"{path}:{node.Start.Line}: {key}: {message}");

    private YamlNode? Node(string key)
    {
        read.Add(key);
        return root.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;
    }

    /// <summary>A string value, or <paramref name="fallback"/> when the key is absent.</summary>
    public string? String(string key, string? fallback = null) => Node(key) switch
    {
        null => fallback,
        YamlScalarNode s => s.Value,
        var other => throw Error(other, key, "expected a single value"),
    };

    /// <summary>A string the config must give.</summary>
    public string RequiredString(string key) =>
        String(key) ?? throw new SharpTuneException($"{path}: required key '{key}' is missing");

    /// <summary>An integer value.</summary>
    public long Long(string key, long fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is YamlScalarNode s && long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)) return v;
        throw Error(node, key, $"expected an integer, got '{(node as YamlScalarNode)?.Value}'");
    }

    /// <summary>A number value.</summary>
    public double Double(string key, double fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is YamlScalarNode s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        throw Error(node, key, $"expected a number, got '{(node as YamlScalarNode)?.Value}'");
    }

    /// <summary>A true/false value (YAML's true/false, yes/no, on/off), or <paramref name="fallback"/> when the key is absent.</summary>
    public bool Bool(string key, bool fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        switch ((node as YamlScalarNode)?.Value?.ToLowerInvariant())
        {
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
        }
        throw Error(node, key, $"expected true or false, got '{(node as YamlScalarNode)?.Value}'");
    }

    /// <summary>
    /// A value given either as one string or as a list of strings: (the string, null), (null, the list), or (null, null)
    /// when the key is absent.
    /// </summary>
    public (string? Scalar, IReadOnlyList<string>? List) StringOrList(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null: return (null, null);
            case YamlScalarNode s: return (s.Value, null);
            case YamlSequenceNode seq:
                var items = new List<string>();
                for (int i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is not YamlScalarNode item || item.Value is null) throw Error(seq.Children[i], $"{key}[{i}]", "expected a plain value");
                    items.Add(item.Value);
                }
                return (null, items);
            default: throw Error(node, key, "expected a value or a list of values");
        }
    }

    /// <summary>A list of strings, also accepted as one comma-separated string; null when the key is absent.</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        var (scalar, list) = StringOrList(key);
        if (list is not null) return list;
        return scalar?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>A list of integers, also accepted as one integer; null when the key is absent.</summary>
    public IReadOnlyList<long>? LongList(string key)
    {
        var (scalar, list) = StringOrList(key);
        if (scalar is null && list is null) return null;
        var result = new List<long>();
        foreach (var item in list ?? [scalar!])
        {
            if (!long.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
                throw new SharpTuneException($"{Where(key)}: expected an integer or a list of integers, got '{item}'");
            result.Add(v);
        }
        return result;
    }

    /// <summary>Whether the config sets <paramref name="key"/> (without marking it read).</summary>
    public bool Has(string key) => root.Children.ContainsKey(new YamlScalarNode(key));

    /// <summary><c>file:line: key</c> for an error about <paramref name="key"/> (the file alone when the key is absent).</summary>
    public string Where(string key) =>
        root.Children.TryGetValue(new YamlScalarNode(key), out var node) ? $"{path}:{node.Start.Line}: {key}" : $"{path}: {key}";

    /// <summary>A list of mappings, each read as string key/values; the line of each item is kept for errors.</summary>
    public IReadOnlyList<(int Line, IReadOnlyDictionary<string, string> Fields)> MappingList(string key)
    {
        var node = Node(key);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq) throw Error(node, key, "expected a list");
        var items = new List<(int, IReadOnlyDictionary<string, string>)>();
        for (int i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is not YamlMappingNode item) throw Error(seq.Children[i], $"{key}[{i}]", "expected a mapping such as {path: x, type: text}");
            var fields = new Dictionary<string, string>();
            foreach (var (k, v) in item.Children)
            {
                if (k is not YamlScalarNode ks || v is not YamlScalarNode vs) throw Error(k, $"{key}[{i}]", "expected plain key: value pairs");
                fields[ks.Value!] = vs.Value ?? "";
            }
            items.Add(((int)item.Start.Line, fields));
        }
        return items;
    }

    /// <summary>Fails on the first key that no reader asked for (a typo, or a setting this command does not have).</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (k, _) in root.Children)
        {
            string name = (k as YamlScalarNode)?.Value ?? "";
            if (!read.Contains(name))
                throw new SharpTuneException($"{path}:{k.Start.Line}: unknown key '{name}' (known: {string.Join(", ", read.Order())})");
        }
    }
}
