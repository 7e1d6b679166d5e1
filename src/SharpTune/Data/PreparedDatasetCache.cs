using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Data;

/// <summary>
/// The tokenized-dataset cache: one file per key under <c>dataset_prepared_path</c>, named <c>&lt;key&gt;.stprep</c>.
/// Layout: magic <c>STPREP01</c>; a little-endian int32 length and that many bytes of UTF-8 JSON (settings and the
/// report); four lists (train, validation samples; train, validation pairs), each an int32 count of entries, a sample
/// being int32 length, a flag byte (1 = packed), then int32 ids, labels and, when packed, position and sequence ids;
/// last, the SHA-256 of everything before it. Files are written atomically; a file that fails any check is rebuilt.
/// </summary>
public static class PreparedDatasetCache
{
    private static readonly byte[] Magic = "STPREP01"u8.ToArray();

    /// <summary>The cache file for <paramref name="key"/> in <paramref name="folder"/>.</summary>
    public static string FileFor(string folder, string key) => Path.Combine(folder, key + ".stprep");

    /// <summary>Writes <paramref name="dataset"/> to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, PreparedDataset dataset)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            var header = new JsonObject
            {
                ["sequence_len"] = dataset.SequenceLen,
                ["packed"] = dataset.Packed,
                ["pad_id"] = dataset.PadId,
                ["report"] = dataset.Report.ToJson(),
            };
            byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
            w.Write(json.Length);
            w.Write(json);
            WriteSamples(w, dataset.Train);
            WriteSamples(w, dataset.Validation);
            WritePairs(w, dataset.TrainPairs);
            WritePairs(w, dataset.ValidationPairs);
        }
        byte[] hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
        AtomicFile.Write(path, stream => stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Reads the cache at <paramref name="path"/>; null with <paramref name="problem"/> set when it is missing or damaged.</summary>
    public static PreparedDataset? TryLoad(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path)) return null;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length < Magic.Length + 4 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                throw new InvalidDataException("not a SharpTune prepared-dataset file");
            var body = bytes.AsSpan(0, bytes.Length - 32);
            if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
                throw new InvalidDataException("checksum mismatch");
            using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32));
            r.ReadBytes(Magic.Length);
            int jsonLength = r.ReadInt32();
            if (jsonLength < 0 || jsonLength > body.Length) throw new InvalidDataException("bad header length");
            var header = JsonNode.Parse(r.ReadBytes(jsonLength))!.AsObject();
            var dataset = new PreparedDataset
            {
                SequenceLen = (int)header["sequence_len"]!,
                Packed = (bool)header["packed"]!,
                PadId = (long)header["pad_id"]!,
                Report = DataReport.FromJson(header["report"]!.AsObject()),
                Train = ReadSamples(r),
                Validation = ReadSamples(r),
                TrainPairs = ReadPairs(r),
                ValidationPairs = ReadPairs(r),
                CacheFile = path,
            };
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("trailing bytes");
            return dataset;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException or System.Text.Json.JsonException
                                   or InvalidOperationException or NullReferenceException or FormatException or ArgumentException or KeyNotFoundException)
        {
            problem = e.Message;
            return null;
        }
    }

    private static void WriteSamples(BinaryWriter w, IReadOnlyList<TokenizedSample> samples)
    {
        w.Write(samples.Count);
        foreach (var s in samples) WriteSample(w, s);
    }

    private static void WritePairs(BinaryWriter w, IReadOnlyList<TokenizedPair> pairs)
    {
        w.Write(pairs.Count);
        foreach (var p in pairs)
        {
            WriteSample(w, p.Chosen);
            WriteSample(w, p.Rejected);
        }
    }

    private static void WriteSample(BinaryWriter w, TokenizedSample s)
    {
        w.Write(s.Length);
        bool packed = s.PositionIds is not null && s.SequenceIds is not null;
        w.Write((byte)(packed ? 1 : 0));
        WriteInts(w, s.InputIds);
        WriteInts(w, s.Labels);
        if (packed)
        {
            WriteInts(w, s.PositionIds!);
            WriteInts(w, s.SequenceIds!);
        }
    }

    private static void WriteInts(BinaryWriter w, int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        w.Write(bytes);
    }

    private static List<TokenizedSample> ReadSamples(BinaryReader r)
    {
        int count = ReadCount(r);
        var samples = new List<TokenizedSample>(count);
        for (int i = 0; i < count; i++) samples.Add(ReadSample(r));
        return samples;
    }

    private static List<TokenizedPair> ReadPairs(BinaryReader r)
    {
        int count = ReadCount(r);
        var pairs = new List<TokenizedPair>(count);
        for (int i = 0; i < count; i++) pairs.Add(new TokenizedPair(ReadSample(r), ReadSample(r)));
        return pairs;
    }

    private static int ReadCount(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length - r.BaseStream.Position) throw new InvalidDataException("bad count");
        return count;
    }

    private static TokenizedSample ReadSample(BinaryReader r)
    {
        int length = ReadCount(r);
        byte flag = r.ReadByte();
        if (flag > 1) throw new InvalidDataException("bad sample flag");
        var ids = ReadInts(r, length);
        var labels = ReadInts(r, length);
        return flag == 1
            ? new TokenizedSample(ids, labels) { PositionIds = ReadInts(r, length), SequenceIds = ReadInts(r, length) }
            : new TokenizedSample(ids, labels);
    }

    private static int[] ReadInts(BinaryReader r, int count)
    {
        byte[] bytes = r.ReadBytes(count * 4);
        if (bytes.Length != count * 4) throw new EndOfStreamException("the file ends inside a sample");
        var values = new int[count];
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4));
        return values;
    }
}
