using System.Text.Json;
using TorchSharp;

namespace SharpTune.IO;

/// <summary>
/// Saves weights as a Hugging Face model folder: one <c>model.safetensors</c>, or, past the shard size,
/// <c>model-00001-of-0000N.safetensors</c> shards plus <c>model.safetensors.index.json</c>.
/// </summary>
public static class CheckpointWriter
{
    /// <summary>
    /// Writes the tensors into <paramref name="folder"/> (created if missing). When their total size exceeds
    /// <paramref name="maxShardBytes"/> they are split, in the order given, into shards of at most that size
    /// (a larger tensor gets a shard of its own), and the index records <c>metadata.total_size</c> (the sum
    /// of the tensors' byte sizes) and the <c>weight_map</c>. Every file is written atomically; afterwards
    /// any <c>model.safetensors</c>, shard or index left by an earlier save that is not part of this one is
    /// deleted, so the folder holds exactly this checkpoint. Each file's metadata is
    /// <paramref name="metadata"/> plus <c>"format": "pt"</c> unless it sets <c>format</c> itself, since
    /// <c>transformers</c> refuses safetensors weights whose metadata lacks it.
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="tensors">Name and tensor pairs; names must be unique. The caller keeps ownership.</param>
    /// <param name="maxShardBytes">The largest shard, in bytes (default 5 GiB, as <c>transformers</c> uses).</param>
    /// <param name="metadata">String pairs stored in every file's <c>__metadata__</c>.</param>
    /// <exception cref="SharpTuneException">A name is duplicated, a dtype cannot be stored, the shard size is not positive, or a file cannot be written.</exception>
    public static void Save(string folder, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, long maxShardBytes = 5L << 30, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(tensors);
        if (maxShardBytes <= 0)
            throw new SharpTuneException($"{folder}: the maximum shard size must be a positive number of bytes, not {maxShardBytes}");

        var pending = SafetensorsWriter.Prepare(folder, tensors);
        var fileMetadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata != null)
            foreach (var (key, value) in metadata) fileMetadata[key] = value;
        fileMetadata.TryAdd("format", "pt");

        long total = 0;
        foreach (var p in pending) total = checked(total + p.ByteCount);

        var written = new HashSet<string>(StringComparer.Ordinal);
        if (total <= maxShardBytes)
        {
            SafetensorsWriter.WritePending(Path.Combine(folder, CheckpointFiles.SingleFile), pending, fileMetadata);
            written.Add(CheckpointFiles.SingleFile);
        }
        else
        {
            var shards = Split(pending, maxShardBytes);
            var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < shards.Count; i++)
            {
                string name = CheckpointFiles.ShardName(i + 1, shards.Count);
                SafetensorsWriter.WritePending(Path.Combine(folder, name), shards[i], fileMetadata);
                written.Add(name);
                foreach (var p in shards[i]) weightMap.Add(p.Name, name);
            }
            WriteIndex(Path.Combine(folder, CheckpointFiles.IndexFile), total, weightMap);
            written.Add(CheckpointFiles.IndexFile);
        }
        RemoveStale(folder, written);
    }

    private static List<List<PendingTensor>> Split(List<PendingTensor> pending, long maxShardBytes)
    {
        var shards = new List<List<PendingTensor>>();
        List<PendingTensor>? current = null;
        long size = 0;
        foreach (var p in pending)
        {
            if (current == null || (current.Count > 0 && size + p.ByteCount > maxShardBytes))
            {
                current = [];
                shards.Add(current);
                size = 0;
            }
            current.Add(p);
            size += p.ByteCount;
        }
        return shards;
    }

    private static void WriteIndex(string path, long total, SortedDictionary<string, string> weightMap)
    {
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions
            {
                Indented = true,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", total);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, shard) in weightMap) json.WriteString(name, shard);
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
        });
    }

    /// <summary>Deletes checkpoint files of an earlier save that this save did not write, the index first.</summary>
    private static void RemoveStale(string folder, HashSet<string> written)
    {
        var stale = Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => CheckpointFiles.IsCheckpointFile(name) && !written.Contains(name))
            .OrderBy(name => name == CheckpointFiles.IndexFile ? 0 : 1)
            .ToList();
        foreach (string name in stale)
        {
            string path = Path.Combine(folder, name);
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SharpTuneException($"{path}: cannot remove this file left by an earlier save: {e.Message}", e);
            }
        }
    }
}
