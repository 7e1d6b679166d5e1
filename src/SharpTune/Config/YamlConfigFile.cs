using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SharpTune.Config;

/// <summary>
/// A YAML run config read as a tree, so that every error names the file, the line and the key path.
/// Reading a key marks it used; <see cref="RejectUnknownKeys"/> then reports any key nobody read.
/// Several readers may share one file (e.g. the trainer's keys and <c>Data.DataConfig</c>'s): each reads its keys
/// through <see cref="Root"/>, and the last one rejects what none of them read.
/// </summary>
public sealed class YamlConfigFile
{
    private readonly YamlMappingNode rootNode;

    private YamlConfigFile(string path, YamlMappingNode root)
    {
        rootNode = root;
        Root = new YamlSection(path, root, "");
    }

    /// <summary>
    /// Parses <paramref name="path"/> (the top level must be a mapping), then applies <paramref name="overrides"/>:
    /// each <c>key=value</c> replaces or adds a top-level key, the value read as YAML, so
    /// <c>datasets=[{path: x.jsonl, type: alpaca}]</c> gives a list; a dotted key (<c>cleaning.dedupe=near</c>)
    /// reaches into nested mappings.
    /// </summary>
    public static YamlConfigFile Load(string path, IEnumerable<string> overrides)
    {
        var file = Load(path);
        foreach (var item in overrides) file.Override(item);
        return file;
    }

    private void Override(string item)
    {
        int eq = item.IndexOf('=');
        if (eq <= 0) throw new SharpTuneException($"--set {item}: expected key=value, e.g. --set learning_rate=1e-4");
        string[] keys = item[..eq].Trim().Split('.');
        YamlNode value;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(item[(eq + 1)..]));
            value = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : new YamlScalarNode("");
        }
        catch (YamlException e)
        {
            throw new SharpTuneException($"--set {item}: the value is not valid YAML: {e.Message}");
        }
        var map = rootNode;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var key = new YamlScalarNode(keys[i]);
            if (!map.Children.TryGetValue(key, out var child)) map.Children[key] = child = new YamlMappingNode();
            map = child as YamlMappingNode ?? throw new SharpTuneException($"--set {item}: '{string.Join('.', keys[..(i + 1)])}' is not a mapping");
        }
        map.Children[new YamlScalarNode(keys[^1])] = value;
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
    public string Path => Root.File;

    /// <summary>The top-level mapping, for readers of nested blocks and lists.</summary>
    public YamlSection Root { get; }

    /// <summary>The folder of the config file; relative paths in the config resolve against it.</summary>
    public string Folder => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;

    /// <summary>A string value, or <paramref name="fallback"/> when the key is absent.</summary>
    public string? String(string key, string? fallback = null) => Root.String(key, fallback);

    /// <summary>A string the config must give.</summary>
    public string RequiredString(string key) => Root.RequiredString(key);

    /// <summary>An integer value.</summary>
    public long Long(string key, long fallback) => Root.Long(key, fallback);

    /// <summary>A number value.</summary>
    public double Double(string key, double fallback) => Root.Double(key, fallback);

    /// <summary>A true/false value.</summary>
    public bool Bool(string key, bool fallback) => Root.Bool(key, fallback);

    /// <summary>A list of mappings, each read as string key/values; the line of each item is kept for errors.</summary>
    public IReadOnlyList<(int Line, IReadOnlyDictionary<string, string> Fields)> MappingList(string key)
    {
        var items = new List<(int, IReadOnlyDictionary<string, string>)>();
        foreach (var item in Root.SectionList(key, "{path: x, type: text}"))
            items.Add((item.Line, item.Keys.ToDictionary(k => k, k => item.String(k) ?? "")));
        return items;
    }

    /// <summary>Fails on the first key that no reader asked for (a typo, or a setting this command does not have).</summary>
    public void RejectUnknownKeys() => Root.RejectUnknownKeys();
}
