using System.Buffers.Binary;
using System.Text.Json;
using SharpTune.IO;
using TorchSharp;

namespace SharpTune.Tests.IO;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<SafetensorsDtype> Dtypes()
    {
        var data = new TheoryData<SafetensorsDtype>();
        foreach (var d in TensorData.AllDtypes) data.Add(d);
        return data;
    }

    private static readonly long[][] Shapes = [[3, 5], [], [0], [2, 0, 3], [7], [2, 3, 4, 1]];

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void WriteThenReadIsBitExactForEveryShape(SafetensorsDtype dtype)
    {
        string path = _temp.File("t.safetensors");
        var tensors = new Dictionary<string, torch.Tensor>();
        for (int i = 0; i < Shapes.Length; i++) tensors[$"t{i}"] = TensorData.Random(dtype, Shapes[i], seed: i + 17 * (int)dtype);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo \"quoted\" \n line" };

        SafetensorsWriter.Write(path, tensors, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(path, file.Path);
        Assert.Equal(metadata.OrderBy(m => m.Key), file.Metadata.OrderBy(m => m.Key));
        Assert.Equal(tensors.Keys.Order(), file.Tensors.Select(t => t.Name).Order());
        foreach (var (name, original) in tensors)
        {
            var info = file.Info(name);
            Assert.Equal(dtype, info.Dtype);
            Assert.Equal(original.shape, info.Shape);
            byte[] expected = TensorData.BytesOf(original);
            Assert.Equal(expected, file.Bytes(name).ToArray());
            using var read = file.ReadTensor(name);
            Assert.Equal(SafetensorsDtypes.ToScalarType(dtype), read.dtype);
            Assert.Equal(original.shape, read.shape);
            Assert.Equal(DeviceType.CPU, read.device_type);
            Assert.Equal(expected, TensorData.BytesOf(read));
        }
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void TorchDtypesMapAsHuggingFaceExpects()
    {
        Assert.Equal(torch.ScalarType.BFloat16, SafetensorsDtypes.ToScalarType(SafetensorsDtype.BF16));
        Assert.Equal(torch.ScalarType.Float16, SafetensorsDtypes.ToScalarType(SafetensorsDtype.F16));
        Assert.Equal(torch.ScalarType.Byte, SafetensorsDtypes.ToScalarType(SafetensorsDtype.U8));
        Assert.Equal(torch.ScalarType.Int8, SafetensorsDtypes.ToScalarType(SafetensorsDtype.I8));
    }

    [Fact]
    public void TensorsListInDataOrderAndFileIsPackedAsPythonRequires()
    {
        string path = _temp.File("packed.safetensors");
        using var a = TensorData.Random(SafetensorsDtype.F32, [3], 1);
        using var b = TensorData.Random(SafetensorsDtype.BF16, [5], 2);
        using var c = TensorData.Random(SafetensorsDtype.U8, [3], 3);
        using var empty = TensorData.Random(SafetensorsDtype.I64, [0, 4], 4);
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["zeta"] = a, ["alpha"] = b, ["mid"] = c, ["none"] = empty },
            new Dictionary<string, string> { ["k"] = "v" });

        // An independent header parse, with Python safetensors' own rules: data starts 8-aligned, tensors
        // sorted by offset lie back to back from 0, and the last one ends at the end of the file.
        byte[] raw = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(raw);
        Assert.Equal(0, (8 + n) % 8);
        string headerText = System.Text.Encoding.UTF8.GetString(raw, 8, (int)n);
        Assert.StartsWith("{", headerText);
        using var doc = JsonDocument.Parse(headerText);
        Assert.Equal("v", doc.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
        var entries = doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
            .Select(p => (p.Name, Begin: p.Value.GetProperty("data_offsets")[0].GetInt64(), End: p.Value.GetProperty("data_offsets")[1].GetInt64()))
            .OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        Assert.Equal(4, entries.Count);
        long expectedBegin = 0;
        foreach (var e in entries)
        {
            Assert.Equal(expectedBegin, e.Begin);
            expectedBegin = e.End;
        }
        Assert.Equal(raw.Length - 8 - n, expectedBegin);
        Assert.Equal(["alpha", "mid", "none", "zeta"], doc.RootElement.EnumerateObject().Select(p => p.Name).Where(s => s != "__metadata__"));

        using var file = SafetensorsFile.Open(path);
        var begins = file.Tensors.Select(t => t.DataBegin).ToList();
        Assert.Equal(begins.Order(), begins);
        Assert.Equal(4, file.Tensors.Count);
    }

    [Fact]
    public void NoMetadataMeansEmptyMetadataAndNoHeaderEntry()
    {
        string path = _temp.File("plain.safetensors");
        using var a = TensorData.Random(SafetensorsDtype.F32, [2], 5);
        SafetensorsWriter.Write(path, [new("a", a)]);
        Assert.DoesNotContain("__metadata__", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path)));
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void EmptyTensorListWritesAValidFile()
    {
        string path = _temp.File("nothing.safetensors");
        SafetensorsWriter.Write(path, []);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Tensors);
    }

    [Fact]
    public void NonContiguousAndGradTensorsAreWrittenAsTheirLogicalElements()
    {
        string path = _temp.File("views.safetensors");
        using var baseTensor = TensorData.Random(SafetensorsDtype.F32, [4, 6], 9);
        using var transposed = baseTensor.t();
        using var sliced = baseTensor.narrow(1, 2, 3);
        using var grad = torch.randn(3, 3).requires_grad_(true);
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["t"] = transposed, ["s"] = sliced, ["g"] = grad });
        using var file = SafetensorsFile.Open(path);
        foreach (var (name, original) in new[] { ("t", transposed), ("s", sliced), ("g", grad.detach()) })
        {
            using var read = file.ReadTensor(name);
            Assert.Equal(original.shape, read.shape);
            Assert.Equal(TensorData.BytesOf(original), TensorData.BytesOf(read));
        }
    }

    [Fact]
    public void OverwritingReplacesTheFileAndLeavesNoTempFiles()
    {
        string path = _temp.File("w.safetensors");
        using var a = TensorData.Random(SafetensorsDtype.F32, [4], 1);
        using var b = TensorData.Random(SafetensorsDtype.I32, [2], 2);
        SafetensorsWriter.Write(path, [new("a", a)]);
        using (var first = SafetensorsFile.Open(path))
        {
            // Replacing a file that is open and mapped works; the open view keeps the old contents.
            SafetensorsWriter.Write(path, [new("b", b)]);
            Assert.Equal(TensorData.BytesOf(a), first.Bytes("a").ToArray());
        }
        using var second = SafetensorsFile.Open(path);
        Assert.Equal(["b"], second.Tensors.Select(t => t.Name));
        Assert.Equal(["w.safetensors"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void ChunkedCopiesAreBitExact()
    {
        // Tensors over 1 GiB go through several span-sized chunks; tiny chunks exercise the same path.
        using var original = TensorData.Random(SafetensorsDtype.BF16, [5, 7], 11);
        using var stream = new MemoryStream();
        TensorBytes.WriteTo(stream, original, chunkBytes: 6);
        byte[] bytes = stream.ToArray();
        Assert.Equal(TensorData.BytesOf(original), bytes);

        using var copy = torch.empty([5, 7], torch.ScalarType.BFloat16);
        unsafe
        {
            fixed (byte* p = bytes) TensorBytes.CopyInto(copy, p, bytes.Length, chunkBytes: 10);
        }
        Assert.Equal(bytes, TensorData.BytesOf(copy));
    }

    [Fact]
    public void WriterRejectsDuplicateNames()
    {
        string path = _temp.File("dup.safetensors");
        using var a = torch.ones(2);
        var ex = Assert.Throws<SharpTuneException>(() => SafetensorsWriter.Write(path, [new("w", a), new("w", a)]));
        Assert.Contains("dup.safetensors", ex.Message);
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("duplicate", ex.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void WriterRejectsTheReservedMetadataName()
    {
        string path = _temp.File("reserved.safetensors");
        using var a = torch.ones(2);
        var ex = Assert.Throws<SharpTuneException>(() => SafetensorsWriter.Write(path, [new("__metadata__", a)]));
        Assert.Contains("reserved.safetensors", ex.Message);
        Assert.Contains("reserved", ex.Message);
    }

    [Fact]
    public void WriterRejectsUnsupportedDtypes()
    {
        string path = _temp.File("complex.safetensors");
        using var c = torch.zeros(2, torch.ScalarType.ComplexFloat32);
        var ex = Assert.Throws<SharpTuneException>(() => SafetensorsWriter.Write(path, [new("c", c)]));
        Assert.Contains("complex.safetensors", ex.Message);
        Assert.Contains("'c'", ex.Message);
        Assert.Contains("cannot hold", ex.Message);
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void ReadTensorReturnsAnIndependentCopy()
    {
        string path = _temp.File("copy.safetensors");
        using var a = torch.ones(3);
        SafetensorsWriter.Write(path, [new("a", a)]);
        torch.Tensor read;
        using (var file = SafetensorsFile.Open(path)) read = file.ReadTensor("a");
        using (read)
        {
            read.add_(1); // the mapping is gone and read-only anyway: the tensor must own its memory
            Assert.Equal(2f, read[0].item<float>());
        }
    }

    [Fact]
    public void MutatingAReturnedShapeDoesNotAffectReads()
    {
        string path = _temp.File("shape.safetensors");
        using var a = TensorData.Random(SafetensorsDtype.F32, [2, 3], 3);
        SafetensorsWriter.Write(path, [new("a", a)]);
        using var file = SafetensorsFile.Open(path);
        file.Info("a").Shape[0] = 1000;
        using var read = file.ReadTensor("a");
        Assert.Equal([2L, 3L], read.shape);
    }

    [Fact]
    public void DisposedFileRefusesReads()
    {
        string path = _temp.File("d.safetensors");
        using var a = torch.ones(3);
        SafetensorsWriter.Write(path, [new("a", a)]);
        var file = SafetensorsFile.Open(path);
        file.Dispose();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadTensor("a"));
    }
}
