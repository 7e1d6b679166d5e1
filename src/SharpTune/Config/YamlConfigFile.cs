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
