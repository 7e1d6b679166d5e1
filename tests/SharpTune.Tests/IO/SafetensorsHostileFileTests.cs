using System.Text;
using SharpTune.IO;

namespace SharpTune.Tests.IO;

/// <summary>Broken and hostile files, built byte by byte: each must fail to open with a message naming the file, the tensor and the fault.</summary>
public sealed class SafetensorsHostileFileTests : IDisposable
{
    private const string FileName = "hostile.safetensors";
    private readonly TempFolder _temp = new();
    private readonly string _path;

    public SafetensorsHostileFileTests() => _path = _temp.File(FileName);

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes the 8-byte length, <paramref name="header"/> as UTF-8, then <paramref name="dataBytes"/> zero bytes.</summary>
    private void WriteFile(string header, int dataBytes = 0) => WriteFile(Encoding.UTF8.GetBytes(header), dataBytes);

    private void WriteFile(byte[] header, int dataBytes = 0, ulong? declaredLength = null)
    {
        using var writer = new BinaryWriter(File.Create(_path));
        writer.Write(declaredLength ?? (ulong)header.Length); // BinaryWriter writes little-endian
        writer.Write(header);
        writer.Write(new byte[dataBytes]);
    }

    private SharpTuneException AssertRejected(string phrase, string? tensor = null)
    {
        var ex = Assert.Throws<SharpTuneException>(() => SafetensorsFile.Open(_path).Dispose());
        Assert.Contains(FileName, ex.Message);
        if (tensor != null) Assert.Contains($"'{tensor}'", ex.Message);
        Assert.Contains(phrase, ex.Message);
        return ex;
    }

    private static string Entry(string dtype = "\"F32\"", string shape = "[2]", string offsets = "[0, 8]") =>
        $"{{\"dtype\": {dtype}, \"shape\": {shape}, \"data_offsets\": {offsets}}}";

    [Fact]
    public void MissingFile() => AssertRejected("not found");

    [Fact]
    public void EmptyFile()
    {
        File.WriteAllBytes(_path, []);
        AssertRejected("empty");
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix()
    {
        File.WriteAllBytes(_path, [1, 2, 3, 4, 5]);
        AssertRejected("too short");
    }

    [Fact]
    public void AbsurdHeaderLengthIsRejectedBeforeAllocating()
    {
        WriteFile([(byte)'{', (byte)'}'], declaredLength: ulong.MaxValue);
        AssertRejected("absurdly large");
    }

    [Fact]
    public void HeaderLengthOverTheLimit()
    {
        WriteFile([(byte)'{', (byte)'}'], declaredLength: 200_000_000);
        AssertRejected("absurdly large");
    }

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        WriteFile([(byte)'{', (byte)'}'], dataBytes: 4, declaredLength: 1000);
        AssertRejected("runs past the end of the file");
    }

    [Fact]
    public void InvalidJson()
    {
        WriteFile("{\"w\": {\"dtype\": ");
        AssertRejected("not valid JSON");
    }

    [Fact]
    public void EmptyHeader()
    {
        WriteFile("", dataBytes: 8);
        AssertRejected("not valid JSON");
    }

    [Fact]
    public void TrailingGarbageAfterTheJson()
    {
        WriteFile("{} junk");
        AssertRejected("not valid JSON");
    }

    [Fact]
    public void InvalidUtf8InTheHeader()
    {
        byte[] header = [.. "{\""u8, 0xff, 0xfe, .. "\": {}}"u8];
        WriteFile(header);
        AssertRejected("not valid JSON");
    }

    [Fact]
    public void DeeplyNestedJson()
    {
        WriteFile("{\"w\": {\"extra\": " + new string('[', 5000) + new string(']', 5000) + "}}");
        AssertRejected("not valid JSON");
    }

    [Fact]
    public void JsonThatIsNotAnObject()
    {
        WriteFile("[1, 2, 3]");
        AssertRejected("not an object");
    }

    [Fact]
    public void EntryThatIsNotAnObject()
    {
        WriteFile("{\"w\": 42}");
        AssertRejected("must be an object", "w");
    }

    [Fact]
    public void EntryMissingDtype()
    {
        WriteFile("{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 8);
        AssertRejected("lacks the \"dtype\" field", "w");
    }

    [Fact]
    public void EntryMissingShape()
    {
        WriteFile("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 8]}}", 8);
        AssertRejected("lacks the \"shape\" field", "w");
    }

    [Fact]
    public void EntryMissingDataOffsets()
    {
        WriteFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8);
        AssertRejected("lacks the \"data_offsets\" field", "w");
    }

    [Fact]
    public void EntryWithARepeatedField()
    {
        WriteFile("{\"w\": {\"dtype\": \"F32\", \"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8);
        AssertRejected("appears twice", "w");
    }

    [Fact]
    public void DtypeOfTheWrongType()
    {
        WriteFile($"{{\"w\": {Entry(dtype: "7")}}}", 8);
        AssertRejected("\"dtype\" must be a string", "w");
    }

    [Fact]
    public void ShapeOfTheWrongType()
    {
        WriteFile($"{{\"w\": {Entry(shape: "\"2\"")}}}", 8);
        AssertRejected("\"shape\" must be an array", "w");
    }

    [Fact]
    public void ShapeHoldingAString()
    {
        WriteFile($"{{\"w\": {Entry(shape: "[\"2\"]")}}}", 8);
        AssertRejected("\"shape\" must be an array of non-negative integers", "w");
    }

    [Fact]
    public void DataOffsetsOfTheWrongType()
    {
        WriteFile($"{{\"w\": {Entry(offsets: "{\"begin\": 0}")}}}", 8);
        AssertRejected("\"data_offsets\" must be an array", "w");
    }

    [Fact]
    public void UnknownDtype()
    {
        WriteFile($"{{\"w\": {Entry(dtype: "\"F8_E4M3\"")}}}", 8);
        AssertRejected("unknown dtype 'F8_E4M3'", "w");
    }

    [Fact]
    public void NegativeShapeDimension()
    {
        WriteFile($"{{\"w\": {Entry(shape: "[-2]")}}}", 8);
        AssertRejected("shape dimension -2 is negative", "w");
    }

    [Fact]
    public void NonIntegerShapeDimension()
    {
        WriteFile($"{{\"w\": {Entry(shape: "[1.5]")}}}", 8);
        AssertRejected("shape dimension 1.5 is not an integer", "w");
    }

    [Fact]
    public void ShapeDimensionBeyondInt64()
    {
        WriteFile($"{{\"w\": {Entry(shape: "[99999999999999999999]")}}}", 8);
        AssertRejected("is not an integer (or is out of range)", "w");
    }

    [Fact]
    public void DataOffsetsWithOneNumber()
    {
        WriteFile($"{{\"w\": {Entry(offsets: "[0]")}}}", 8);
        AssertRejected("exactly two integers", "w");
    }

    [Fact]
    public void NegativeDataOffset()
    {
        WriteFile($"{{\"w\": {Entry(offsets: "[-8, 0]")}}}", 8);
        AssertRejected("data offset -8 is negative", "w");
    }

    [Fact]
    public void DataOffsetsPastTheDataSection()
    {
        WriteFile($"{{\"w\": {Entry(offsets: "[8, 16]")}}}", 8);
        AssertRejected("run past the end of the data section (8 bytes)", "w");
    }

    [Fact]
    public void DataOffsetsThatBeginAfterTheyEnd()
    {
        WriteFile($"{{\"w\": {Entry(offsets: "[8, 0]")}}}", 16);
        AssertRejected("begin after they end", "w");
    }

    [Fact]
    public void OverlappingTensors()
    {
        WriteFile($"{{\"a\": {Entry(offsets: "[0, 8]")}, \"b\": {Entry(offsets: "[4, 12]")}}}", 16);
        var ex = AssertRejected("overlap", "b");
        Assert.Contains("'a'", ex.Message);
    }

    [Fact]
    public void IdenticalRangesOverlap()
    {
        WriteFile($"{{\"a\": {Entry()}, \"b\": {Entry()}}}", 8);
        var ex = AssertRejected("overlap");
        Assert.Contains("'a'", ex.Message);
        Assert.Contains("'b'", ex.Message);
    }

    [Fact]
    public void ByteCountThatDoesNotMatchDtypeAndShape()
    {
        WriteFile($"{{\"w\": {Entry(shape: "[3]", offsets: "[0, 8]")}}}", 8);
        AssertRejected("needs 12 bytes, but data_offsets [0, 8] span 8 (size mismatch)", "w");
    }

    [Fact]
    public void ByteCountThatOverflows()
    {
        WriteFile($"{{\"w\": {Entry(shape: "[4611686018427387904, 4]", offsets: "[0, 0]")}}}", 8);
        AssertRejected("overflows a 64-bit byte count", "w");
    }

    [Fact]
    public void DuplicateTensorNames()
    {
        WriteFile($"{{\"w\": {Entry()}, \"w\": {Entry(offsets: "[8, 16]")}}}", 16);
        AssertRejected("appears twice in the header (duplicate name)", "w");
    }

    [Fact]
    public void DuplicateTensorNamesSpelledWithEscapes()
    {
        WriteFile($"{{\"w\": {Entry()}, \"\\u0077\": {Entry(offsets: "[8, 16]")}}}", 16);
        AssertRejected("duplicate name", "w");
    }

    [Fact]
    public void MetadataThatIsNotAnObject()
    {
        WriteFile("{\"__metadata__\": [\"pt\"]}");
        AssertRejected("\"__metadata__\" must be an object mapping strings to strings");
    }

    [Fact]
    public void MetadataWithANonStringValue()
    {
        WriteFile("{\"__metadata__\": {\"format\": \"pt\", \"epoch\": 3}}");
        var ex = AssertRejected("must map strings to strings");
        Assert.Contains("'epoch'", ex.Message);
    }

    [Fact]
    public void MetadataWithADuplicateKey()
    {
        WriteFile("{\"__metadata__\": {\"format\": \"pt\", \"format\": \"np\"}}");
        AssertRejected("key 'format' appears twice");
    }

    [Fact]
    public void MetadataGivenTwice()
    {
        WriteFile("{\"__metadata__\": {}, \"__metadata__\": {}}");
        AssertRejected("\"__metadata__\" appears twice");
    }

    [Fact]
    public void BoolTensorHoldingAByteOtherThanZeroOrOne()
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{\"m\": {Entry(dtype: "\"BOOL\"", shape: "[4]", offsets: "[0, 4]")}}}");
        using (var writer = new BinaryWriter(File.Create(_path)))
        {
            writer.Write((ulong)header.Length);
            writer.Write(header);
            writer.Write(new byte[] { 0, 1, 7, 0 });
        }
        using var file = SafetensorsFile.Open(_path);
        var ex = Assert.Throws<SharpTuneException>(() => file.ReadTensor("m"));
        Assert.Contains(FileName, ex.Message);
        Assert.Contains("'m'", ex.Message);
        Assert.Contains("element 2 holds byte 7, not 0 or 1", ex.Message);
    }

    [Fact]
    public void AskingForAnAbsentTensorNamesFileAndTensor()
    {
        WriteFile($"{{\"w\": {Entry()}}}", 8);
        using var file = SafetensorsFile.Open(_path);
        Assert.False(file.Contains("missing.weight"));
        foreach (var call in new Action[] { () => file.Info("missing.weight"), () => file.Bytes("missing.weight"), () => file.ReadTensor("missing.weight").Dispose() })
        {
            var ex = Assert.Throws<SharpTuneException>(call);
            Assert.Contains(FileName, ex.Message);
            Assert.Contains("'missing.weight'", ex.Message);
            Assert.Contains("no tensor named", ex.Message);
        }
    }

    [Fact]
    public void GapsUnknownFieldsNullMetadataAndSpacePaddingAreAccepted()
    {
        // Lenient where no harm is possible: unused bytes between tensors, extra fields, a null __metadata__,
        // a zero-byte tensor whose offset lies inside another's range, a header padded with spaces.
        string header = "{\"__metadata__\": null, " +
                        $"\"a\": {{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8], \"extra\": {{\"x\": [1, 2]}}}}, " +
                        $"\"b\": {Entry(dtype: "\"I8\"", shape: "[4]", offsets: "[16, 20]")}, " +
                        $"\"z\": {Entry(shape: "[0, 3]", offsets: "[4, 4]")}}}" + new string(' ', 13);
        WriteFile(header, 24);
        using var file = SafetensorsFile.Open(_path);
        Assert.Empty(file.Metadata);
        Assert.Equal(["a", "z", "b"], file.Tensors.Select(t => t.Name));
        using var z = file.ReadTensor("z");
        Assert.Equal([0L, 3L], z.shape);
        using var b = file.ReadTensor("b");
        Assert.Equal([4L], b.shape);
    }
}
