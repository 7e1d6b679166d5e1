using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

namespace SharpTune.IO;

/// <summary>
/// Writes <c>.safetensors</c> files that Python's <c>safetensors</c> (and so Hugging Face) loads: tensors
/// sorted by name and packed back to back, the header padded with spaces so the data starts 8-byte aligned.
/// </summary>
public static class SafetensorsWriter
{
    private const byte Space = (byte)' ';

    /// <summary>
    /// Writes the tensors (and optional metadata) to <paramref name="path"/>, atomically: to
    /// <c>&lt;path&gt;.tmp-&lt;random&gt;</c> in the same folder, flushed, then moved over the target.
    /// Tensors may live on any device and need not be contiguous; their bytes are copied as they are.
    /// The caller keeps ownership of the tensors.
    /// </summary>
    /// <param name="path">The file to write; its folder is created if missing.</param>
    /// <param name="tensors">Name and tensor pairs; names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">String pairs stored as the header's <c>__metadata__</c>; omitted when null or empty.</param>
    /// <exception cref="SharpTuneException">A name is duplicated or reserved, a tensor's dtype has no safetensors form, or the file cannot be written.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        WritePending(path, Prepare(path, tensors), metadata);
    }

    /// <summary>Checks names and dtypes and gathers each tensor's shape and size, keeping the caller's order.</summary>
    /// <param name="where">The file or folder being written, for error messages.</param>
    /// <param name="tensors">The caller's pairs.</param>
    internal static List<PendingTensor> Prepare(string where, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        var pending = new List<PendingTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name is null) throw new SharpTuneException($"{where}: a tensor has a null name");
            if (name == "__metadata__") throw new SharpTuneException($"{where}: tensor '{name}': the name is reserved for the header's metadata");
            if (tensor is null) throw new SharpTuneException($"{where}: tensor '{name}' is null");
            if (!names.Add(name)) throw new SharpTuneException($"{where}: tensor '{name}' is given twice (duplicate name)");
            if (!SafetensorsDtypes.TryFromScalarType(tensor.dtype, out var dtype))
                throw new SharpTuneException($"{where}: tensor '{name}' has dtype {tensor.dtype}, which safetensors files here cannot hold");
            pending.Add(new PendingTensor(name, tensor, dtype, tensor.shape, TensorBytes.ByteCount(tensor)));
        }
        return pending;
    }

    /// <summary>Writes prepared tensors to one file, sorted by name.</summary>
    internal static void WritePending(string path, IReadOnlyList<PendingTensor> pending, IReadOnlyDictionary<string, string>? metadata)
    {
        var sorted = pending.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
        byte[] header = BuildHeader(path, sorted, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var p in sorted)
            {
                if (p.ByteCount == 0) continue;
                using var cpu = p.Tensor.detach().cpu();
                using var dense = cpu.contiguous();
                TensorBytes.WriteTo(stream, dense);
            }
        });
    }

    /// <summary>The header JSON, padded with spaces so that 8 + its length is a multiple of 8.</summary>
    internal static byte[] BuildHeader(string path, IReadOnlyList<PendingTensor> sorted, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    if (key is null || value is null)
                        throw new SharpTuneException($"{path}: metadata entry '{key}' has a null key or value; safetensors metadata maps strings to strings");
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var p in sorted)
            {
                json.WriteStartObject(p.Name);
                json.WriteString("dtype", SafetensorsDtypes.Name(p.Dtype));
                json.WriteStartArray("shape");
                foreach (long dim in p.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset = checked(offset + p.ByteCount);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8; // the 8-byte length prefix keeps the alignment
        var header = new byte[buffer.WrittenCount + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill(Space);
        return header;
    }
}
