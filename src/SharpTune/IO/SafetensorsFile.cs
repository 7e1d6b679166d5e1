using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.IO.MemoryMappedFiles;
using TorchSharp;

namespace SharpTune.IO;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped read-only. <see cref="Open"/> validates the whole header
/// up front, so a file that opens can be read without further format errors. Reading from several threads
/// at once is safe; disposing while reading is not.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The largest header accepted (100 MB); real headers are far smaller, and the bound keeps a corrupt length from allocating.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private readonly Dictionary<string, long[]> _shapes;
    private readonly long _dataStart;
    private byte* _base;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* @base, long dataStart, SafetensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = @base;
        _dataStart = dataStart;
        Metadata = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(header.Metadata, StringComparer.Ordinal));
        Tensors = Array.AsReadOnly(header.Tensors);
        _byName = new Dictionary<string, SafetensorsTensorInfo>(header.Tensors.Length, StringComparer.Ordinal);
        _shapes = new Dictionary<string, long[]>(header.Tensors.Length, StringComparer.Ordinal);
        foreach (var t in header.Tensors)
        {
            _byName.Add(t.Name, t);
            _shapes.Add(t.Name, (long[])t.Shape.Clone()); // our own copy: callers can write into Info(name).Shape
        }
    }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (string to string); empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor in the file, in the order their data lies in the file.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>
    /// Opens and memory-maps a safetensors file and validates its header: the length prefix, the JSON, each
    /// entry's dtype, shape and data offsets, and that no two tensors' bytes overlap.
    /// </summary>
    /// <param name="path">The file to open.</param>
    /// <returns>The open file; dispose it to unmap.</returns>
    /// <exception cref="SharpTuneException">The file is missing, unreadable or not a valid safetensors file; the message names the file and, where one is at fault, the tensor.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SharpTuneException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneException($"{path}: cannot open: {e.Message}", e);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* @base = null;
        try
        {
            long length = stream.Length;
            if (length == 0)
                throw new SharpTuneException($"{path}: file is empty, not a safetensors file");
            if (length < 8)
                throw new SharpTuneException($"{path}: file is only {length} bytes, too short for the 8-byte header length of a safetensors file");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderBytes)
                throw new SharpTuneException(
                    $"{path}: header length {headerLength} bytes is absurdly large (limit {MaxHeaderBytes} bytes); the file is corrupt or not safetensors");
            if ((long)headerLength > length - 8)
                throw new SharpTuneException(
                    $"{path}: header length {headerLength} bytes runs past the end of the file ({length} bytes); the file is truncated or not safetensors");

            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref @base);
            @base += view.PointerOffset;

            long dataStart = 8 + (long)headerLength;
            var header = SafetensorsHeader.Parse(new ReadOnlySpan<byte>(@base + 8, (int)headerLength), length - dataStart, path);
            return new SafetensorsFile(path, map, view, @base, dataStart, header);
        }
        catch (Exception e)
        {
            if (@base != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map != null) map.Dispose();
            else stream.Dispose();
            if (e is SharpTuneException) throw;
            if (e is IOException or UnauthorizedAccessException)
                throw new SharpTuneException($"{path}: cannot read: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor of this name.</summary>
    /// <param name="name">The tensor name.</param>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.ContainsKey(name);
    }

    /// <summary>The header entry of a tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <exception cref="SharpTuneException">The file has no such tensor.</exception>
    public SafetensorsTensorInfo Info(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _byName.TryGetValue(name, out var info)
            ? info
            : throw new SharpTuneException($"{Path}: no tensor named '{name}' in this file");
    }

    /// <summary>
    /// The tensor's raw little-endian bytes, as a view into the mapping: no copy, valid until this file is
    /// disposed. For tensors over 2 GiB, which no span can cover, use <see cref="ReadTensor"/>.
    /// </summary>
    /// <param name="name">The tensor name.</param>
    /// <exception cref="SharpTuneException">The file has no such tensor, or it is too large for a span.</exception>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var info = Info(name);
        if (info.ByteCount > int.MaxValue)
            throw new SharpTuneException($"{Path}: tensor '{name}' is {info.ByteCount} bytes, too large for one span; read it with ReadTensor");
        return new ReadOnlySpan<byte>(_base + _dataStart + info.DataBegin, (int)info.ByteCount);
    }

    /// <summary>
    /// Reads a tensor into a new CPU tensor of the matching torch dtype (BF16 to <c>bfloat16</c>, F16 to
    /// <c>float16</c>, ...) and shape, copying the bytes out of the mapping. The caller owns and disposes it.
    /// </summary>
    /// <param name="name">The tensor name.</param>
    /// <exception cref="SharpTuneException">The file has no such tensor, or a BOOL tensor holds bytes other than 0 and 1.</exception>
    public torch.Tensor ReadTensor(string name)
    {
        var info = Info(name);
        byte* source = _base + _dataStart + info.DataBegin;
        if (info.Dtype == SafetensorsDtype.BOOL) CheckBooleans(info, source);
        var tensor = torch.empty(_shapes[name], SafetensorsDtypes.ToScalarType(info.Dtype), torch.CPU);
        try
        {
            TensorBytes.CopyInto(tensor, source, info.ByteCount);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        return tensor;
    }

    /// <summary>Unmaps the file. Spans from <see cref="Bytes"/> must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private void CheckBooleans(SafetensorsTensorInfo info, byte* source)
    {
        // torch's bool must be 0 or 1; any other byte is undefined behaviour in its kernels.
        for (long done = 0; done < info.ByteCount;)
        {
            int length = (int)Math.Min(info.ByteCount - done, TensorBytes.DefaultChunkBytes);
            int bad = new ReadOnlySpan<byte>(source + done, length).IndexOfAnyExcept((byte)0, (byte)1);
            if (bad >= 0)
                throw new SharpTuneException(
                    $"{Path}: tensor '{info.Name}': BOOL element {done + bad} holds byte {source[done + bad]}, not 0 or 1");
            done += length;
        }
    }
}
