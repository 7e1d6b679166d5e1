using System.Security.Cryptography;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training.Distillation;

/// <summary>
/// The teacher's top-k logits (values and vocabulary indices) at every position of every training sample, computed
/// once and kept in a safetensors file whose name is a hash of the teacher's files, the samples' ids and k — so a
/// later run with the same teacher and data (another student, other α or T) reuses it without loading the teacher.
/// Rows are found again by their token ids, so each batch row must be one sample (no sample packing).
/// </summary>
public sealed class TeacherLogitCache
{
    private readonly float[] values;
    private readonly long[] indices;
    private readonly Dictionary<ulong, (long Offset, int Length)> rows;

    private TeacherLogitCache(int k, float[] values, long[] indices, Dictionary<ulong, (long, int)> rows)
    {
        K = k;
        this.values = values;
        this.indices = indices;
        this.rows = rows;
    }

    /// <summary>Logits kept per position.</summary>
    public int K { get; }

    /// <summary>Samples in the cache.</summary>
    public int Count => rows.Count;

    /// <summary>The cache file for <paramref name="samples"/> under the teacher in <paramref name="teacherFolders"/> (model and adapter folder) with <paramref name="k"/>.</summary>
    public static string PathFor(string cacheDir, IEnumerable<string> teacherFolders, IReadOnlyList<TokenizedSample> samples, int k)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var folder in teacherFolders)
            foreach (var file in Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".safetensors", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file)));
                using var stream = File.OpenRead(file);
                hash.AppendData(SHA256.HashData(stream));
            }
        hash.AppendData(BitConverter.GetBytes(k));
        foreach (var sample in samples) hash.AppendData(BitConverter.GetBytes(RowKey(sample.InputIds.Select(i => (long)i))));
        return Path.Combine(cacheDir, $"teacher-top{k}-{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}.safetensors");
    }

    /// <summary>Runs <paramref name="teacher"/> over <paramref name="samples"/> in batches and writes the cache to <paramref name="path"/> (atomically).</summary>
    public static TeacherLogitCache Build(LlamaForCausalLM teacher, IReadOnlyList<TokenizedSample> samples, BatchCollator collator, int k, int batchSize, string path)
    {
        if (samples.Any(s => s.SequenceIds is not null)) throw new SharpTuneException("kd_top_k: the teacher cache needs one sample per row; turn sample_packing off");
        if (k > teacher.Config.VocabSize) throw new SharpTuneException($"kd_top_k: {k} is more than the vocabulary ({teacher.Config.VocabSize})");
        long total = samples.Sum(s => (long)s.Length);
        var values = new float[total * k];
        var indices = new long[total * k];
        var offsets = new long[samples.Count + 1];
        teacher.eval();
        using (no_grad())
        {
            int done = 0;
            foreach (var batch in collator.Batches(samples, batchSize))
            {
                using var scope = NewDisposeScope();
                var t = BatchTensors.From(batch, teacher.Device);
                var (top, at) = teacher.Forward(t.Ids, t.Mask, t.Positions).to(ScalarType.Float32).topk(k, dim: -1);
                float[] v = top.cpu().data<float>().ToArray();
                long[] ix = at.cpu().data<long>().ToArray();
                for (int r = 0; r < batch.Rows; r++, done++)
                {
                    int length = samples[done].Length;
                    offsets[done + 1] = offsets[done] + length;
                    Array.Copy(v, (long)r * batch.Length * k, values, offsets[done] * k, (long)length * k);
                    Array.Copy(ix, (long)r * batch.Length * k, indices, offsets[done] * k, (long)length * k);
                }
            }
        }
        var keys = samples.Select(s => (long)RowKey(s.InputIds.Select(i => (long)i))).ToArray();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using (var scope = NewDisposeScope())
            SafetensorsWriter.Write(path,
            [
                new("values", tensor(values, [total, k])), new("indices", tensor(indices, [total, k])),
                new("offsets", tensor(offsets)), new("row_keys", tensor(keys)),
            ]);
        return FromArrays(k, values, indices, offsets, keys);
    }

    /// <summary>Reads a cache written by <see cref="Build"/>.</summary>
    /// <exception cref="SharpTuneException">The file is not such a cache.</exception>
    public static TeacherLogitCache Load(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var name in new[] { "values", "indices", "offsets", "row_keys" })
            if (!file.Tensors.Any(t => t.Name == name)) throw new SharpTuneException($"{path}: not a teacher logit cache (no '{name}' tensor)");
        using var scope = NewDisposeScope();
        var v = file.ReadTensor("values");
        if (v.dim() != 2) throw new SharpTuneException($"{path}: 'values' must have 2 dimensions");
        var offsets = file.ReadTensor("offsets").to(ScalarType.Int64).data<long>().ToArray();
        var keys = file.ReadTensor("row_keys").to(ScalarType.Int64).data<long>().ToArray();
        var values = v.to(ScalarType.Float32).data<float>().ToArray();
        var indices = file.ReadTensor("indices").to(ScalarType.Int64).data<long>().ToArray();
        int k = (int)v.shape[1];
        if (offsets.Length != keys.Length + 1 || offsets[^1] * k != values.Length || indices.Length != values.Length)
            throw new SharpTuneException($"{path}: the teacher logit cache's tensors do not fit together");
        return FromArrays(k, values, indices, offsets, keys);
    }

    private static TeacherLogitCache FromArrays(int k, float[] values, long[] indices, long[] offsets, long[] keys)
    {
        var rows = new Dictionary<ulong, (long, int)>();
        for (int i = 0; i < keys.Length; i++) rows[(ulong)keys[i]] = (offsets[i], (int)(offsets[i + 1] - offsets[i]));
        return new TeacherLogitCache(k, values, indices, rows);
    }

    /// <summary>The cached top-k values [rows, length, k] and indices of <paramref name="batch"/>'s rows (zeros on padding), in the caller's dispose scope.</summary>
    /// <exception cref="SharpTuneException">A row is not in the cache.</exception>
    public (Tensor Values, Tensor Indices) For(CollatedBatch batch, Device device)
    {
        var v = new float[(long)batch.Rows * batch.Length * K];
        var ix = new long[v.Length];
        for (int r = 0; r < batch.Rows; r++)
        {
            int length = 0;
            while (length < batch.Length && batch.AttentionMask[r * batch.Length + length] != 0) length++;
            var ids = new ArraySegment<long>(batch.InputIds, r * batch.Length, length);
            if (!rows.TryGetValue(RowKey(ids), out var row) || row.Length != length)
                throw new SharpTuneException("the teacher logit cache has no entry for a training row (the data changed since it was built?)");
            Array.Copy(values, row.Offset * K, v, (long)r * batch.Length * K, (long)length * K);
            Array.Copy(indices, row.Offset * K, ix, (long)r * batch.Length * K, (long)length * K);
        }
        long[] shape = [batch.Rows, batch.Length, K];
        return (tensor(v, shape).to(device), tensor(ix, shape).to(device));
    }

    /// <summary>FNV-1a over a row's token ids: how a batch row finds its cached logits.</summary>
    private static ulong RowKey(IEnumerable<long> ids)
    {
        ulong h = 14695981039346656037UL;
        foreach (long id in ids)
            for (int b = 0; b < 8; b++)
            {
                h ^= (byte)(id >> (8 * b));
                h *= 1099511628211UL;
            }
        return h;
    }
}
