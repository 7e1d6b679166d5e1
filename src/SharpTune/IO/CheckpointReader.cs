using System.Text.Json;
using TorchSharp;

namespace SharpTune.IO;

/// <summary>
/// The weights of a Hugging Face model folder: either one <c>model.safetensors</c>, or shards listed in
/// <c>model.safetensors.index.json</c> (<c>{"metadata": {"total_size": ...}, "weight_map": {name: shard}}</c>).
/// When both are present the single file wins, as in <c>transformers</c>. <see cref="Open"/> opens and
/// validates every file at once, so a checkpoint that opens is consistent.
/// </summary>
public sealed class CheckpointReader : IDisposable
{
    private readonly SafetensorsFile[] _files;
    private readonly Dictionary<string, SafetensorsFile> _fileOf;
    private bool _disposed;

    private CheckpointReader(string folder, SafetensorsFile[] files, Dictionary<string, SafetensorsFile> fileOf, string[] names)
    {
        Folder = folder;
        _files = files;
        _fileOf = fileOf;
        Names = Array.AsReadOnly(names);
        Metadata = files.Length > 0 ? files[0].Metadata : new Dictionary<string, string>();
    }

    /// <summary>The model folder the checkpoint was opened from.</summary>
    public string Folder { get; }

    /// <summary>
    /// Every tensor name: in data order for a single file, in the index's <c>weight_map</c> order for shards.
    /// </summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>The <c>__metadata__</c> of the single file, or of the first shard by file name; empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The safetensors files the checkpoint spans, the first shard first.</summary>
    public IReadOnlyList<SafetensorsFile> Files => Array.AsReadOnly(_files);

    /// <summary>Opens the checkpoint in a model folder.</summary>
    /// <param name="folder">The folder holding <c>model.safetensors</c> or <c>model.safetensors.index.json</c> and its shards.</param>
    /// <returns>The open checkpoint; dispose it to close its files.</returns>
    /// <exception cref="SharpTuneException">
    /// The folder or its weights are missing, the index is not valid JSON of the expected form, a shard is
    /// missing or invalid, or a name in the index is absent from its shard; the message names the file.
    /// </exception>
    public static CheckpointReader Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new SharpTuneException($"{folder}: model folder not found");

        string single = Path.Combine(folder, CheckpointFiles.SingleFile);
        if (File.Exists(single))
        {
            var file = SafetensorsFile.Open(single);
            var fileOf = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var t in file.Tensors) fileOf.Add(t.Name, file);
            return new CheckpointReader(folder, [file], fileOf, file.Tensors.Select(t => t.Name).ToArray());
        }

        string index = Path.Combine(folder, CheckpointFiles.IndexFile);
        if (File.Exists(index)) return OpenSharded(folder, index);

        string hint = File.Exists(Path.Combine(folder, "pytorch_model.bin")) || File.Exists(Path.Combine(folder, "pytorch_model.bin.index.json"))
            ? " (it has pytorch_model.bin weights; SharpTune reads safetensors only, so convert them first)"
            : "";
        throw new SharpTuneException($"{folder}: no {CheckpointFiles.SingleFile} or {CheckpointFiles.IndexFile} in this folder{hint}");
    }

    /// <summary>Whether the checkpoint holds a tensor of this name.</summary>
    /// <param name="name">The tensor name.</param>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _fileOf.ContainsKey(name);
    }

    /// <summary>The header entry of a tensor (offsets are relative to its own file's data section).</summary>
    /// <param name="name">The tensor name.</param>
    /// <exception cref="SharpTuneException">The checkpoint has no such tensor.</exception>
    public SafetensorsTensorInfo Info(string name) => FileOf(name).Info(name);

    /// <summary>Reads a tensor into a new CPU tensor of the matching dtype and shape; the caller disposes it.</summary>
    /// <param name="name">The tensor name.</param>
    /// <exception cref="SharpTuneException">The checkpoint has no such tensor.</exception>
    public torch.Tensor ReadTensor(string name) => FileOf(name).ReadTensor(name);

    /// <summary>Closes every file of the checkpoint.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var f in _files) f.Dispose();
    }

    private SafetensorsFile FileOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _fileOf.TryGetValue(name, out var file)
            ? file
            : throw new SharpTuneException($"{Folder}: the checkpoint has no tensor named '{name}'");
    }

    private static CheckpointReader OpenSharded(string folder, string index)
    {
        var weightMap = ReadWeightMap(index);
        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var inOrder = new List<SafetensorsFile>();
        try
        {
            foreach (var shard in weightMap.Select(w => w.Shard).Distinct().Order(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(folder, shard);
                if (!File.Exists(shardPath))
                {
                    string example = weightMap.First(w => w.Shard == shard).Name;
                    throw new SharpTuneException(
                        $"{index}: shard '{shard}' (listed for tensor '{example}') is missing from the folder");
                }
                var opening = SafetensorsFile.Open(shardPath);
                opened.Add(shard, opening);
                inOrder.Add(opening);
            }

            var fileOf = new Dictionary<string, SafetensorsFile>(weightMap.Count, StringComparer.Ordinal);
            foreach (var (name, shard) in weightMap)
            {
                var file = opened[shard];
                if (!file.Contains(name))
                    throw new SharpTuneException($"{index}: weight_map puts tensor '{name}' in '{shard}', but that file has no such tensor");
                fileOf.Add(name, file);
            }
            return new CheckpointReader(folder, inOrder.ToArray(), fileOf, weightMap.Select(w => w.Name).ToArray());
        }
        catch
        {
            foreach (var f in inOrder) f.Dispose();
            throw;
        }
    }

    /// <summary>Reads the index's <c>weight_map</c>, rejecting duplicates and shard names that leave the folder.</summary>
    private static List<(string Name, string Shard)> ReadWeightMap(string index)
    {
        byte[] bytes;
        try
        {
            long length = new FileInfo(index).Length;
            if (length > CheckpointFiles.MaxIndexBytes)
                throw new SharpTuneException($"{index}: index is {length} bytes, over the {CheckpointFiles.MaxIndexBytes}-byte limit; it is corrupt or not an index");
            bytes = File.ReadAllBytes(index);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneException($"{index}: cannot read: {e.Message}", e);
        }

        List<(string Name, string Shard)>? weightMap = null;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new SharpTuneException($"{index}: index JSON is not an object");
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                reader.Read();
                if (!keys.Add(key)) throw new SharpTuneException($"{index}: key \"{key}\" appears twice in the index");
                if (key == "weight_map") weightMap = ReadWeightMapObject(ref reader, index);
                else reader.Skip();
            }
            if (reader.Read()) throw new SharpTuneException($"{index}: index has more JSON after its top-level object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new SharpTuneException($"{index}: index is not valid JSON: {e.Message}", e);
        }
        return weightMap ?? throw new SharpTuneException($"{index}: index lacks the \"weight_map\" object");
    }

    private static List<(string Name, string Shard)> ReadWeightMapObject(ref Utf8JsonReader reader, string index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new SharpTuneException($"{index}: \"weight_map\" must be an object mapping tensor names to shard file names");
        var entries = new List<(string, string)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw new SharpTuneException($"{index}: weight_map entry for tensor '{name}' must be a shard file name (a string)");
            string shard = reader.GetString()!;
            if (!names.Add(name))
                throw new SharpTuneException($"{index}: tensor '{name}' appears twice in weight_map (duplicate name)");
            if (!IsPlainFileName(shard))
                throw new SharpTuneException(
                    $"{index}: weight_map puts tensor '{name}' in '{shard}', which is not a plain file name in the model folder");
            entries.Add((name, shard));
        }
        return entries;
    }

    private static bool IsPlainFileName(string name) =>
        name.Length > 0 && name is not "." and not ".." &&
        name.IndexOfAny(['/', '\\', '\0']) < 0 && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
