using System.Text.Json;
using SharpTune.IO;
using TorchSharp;

namespace SharpTune.Tests.IO;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        foreach (var t in _weights.Values) t.Dispose();
        _temp.Dispose();
    }

    private readonly Dictionary<string, torch.Tensor> _weights = new()
    {
        ["model.embed_tokens.weight"] = TensorData.Random(SafetensorsDtype.BF16, [32, 8], 1),    // 512 bytes
        ["model.layers.0.self_attn.q_proj.weight"] = TensorData.Random(SafetensorsDtype.F32, [8, 8], 2), // 256
        ["model.layers.0.mlp.gate_proj.weight"] = TensorData.Random(SafetensorsDtype.F16, [16, 8], 3),  // 256
        ["model.layers.0.input_layernorm.weight"] = TensorData.Random(SafetensorsDtype.F32, [8], 4),   // 32
        ["model.norm.weight"] = TensorData.Random(SafetensorsDtype.F32, [8], 5),                    // 32
        ["lm_head.weight"] = TensorData.Random(SafetensorsDtype.BF16, [32, 8], 6),                 // 512
        ["step"] = TensorData.Random(SafetensorsDtype.I64, [], 7),                                  // 8
        ["empty"] = TensorData.Random(SafetensorsDtype.U8, [0], 8),                                 // 0
    };

    private const long TotalBytes = 512 + 256 + 256 + 32 + 32 + 512 + 8;

    private string[] CheckpointFiles() =>
        Directory.GetFiles(_temp.Path).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    private void AssertReadsBack(CheckpointReader reader)
    {
        Assert.Equal(_weights.Keys.Order(), reader.Names.Order());
        foreach (var (name, original) in _weights)
        {
            Assert.True(reader.Contains(name));
            Assert.Equal(original.shape, reader.Info(name).Shape);
            using var read = reader.ReadTensor(name);
            Assert.Equal(original.dtype, read.dtype);
            Assert.Equal(original.shape, read.shape);
            Assert.Equal(TensorData.BytesOf(original), TensorData.BytesOf(read));
        }
    }

    [Fact]
    public void UnshardedSaveWritesOneFileAndReadsBackBitExact()
    {
        CheckpointWriter.Save(_temp.Path, _weights, metadata: new Dictionary<string, string> { ["step"] = "100" });
        Assert.Equal(["model.safetensors"], CheckpointFiles());
        using var reader = CheckpointReader.Open(_temp.Path);
        AssertReadsBack(reader);
        Assert.Equal("100", reader.Metadata["step"]);
        Assert.Equal("pt", reader.Metadata["format"]); // transformers refuses safetensors without it
        Assert.Single(reader.Files);
    }

    [Fact]
    public void ShardedSaveWritesShardsAndAnIndexAndReadsBackBitExact()
    {
        CheckpointWriter.Save(_temp.Path, _weights, maxShardBytes: 600);

        string[] files = CheckpointFiles();
        var shards = files.Where(f => f.StartsWith("model-", StringComparison.Ordinal)).ToArray();
        Assert.True(shards.Length >= 3, $"expected several shards, got {string.Join(", ", files)}");
        for (int i = 0; i < shards.Length; i++)
            Assert.Equal($"model-{i + 1:D5}-of-{shards.Length:D5}.safetensors", shards[i]);
        Assert.Contains("model.safetensors.index.json", files);
        Assert.DoesNotContain("model.safetensors", files);

        using (var doc = JsonDocument.Parse(File.ReadAllText(_temp.File("model.safetensors.index.json"))))
        {
            Assert.Equal(TotalBytes, doc.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
            var weightMap = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            Assert.Equal(_weights.Keys.Order(), weightMap.Keys.Order());
            Assert.Equal(shards, weightMap.Values.Distinct().Order(StringComparer.Ordinal));
            foreach (var (name, shard) in weightMap)
            {
                using var file = SafetensorsFile.Open(_temp.File(shard));
                Assert.True(file.Contains(name));
                Assert.Equal("pt", file.Metadata["format"]);
            }
        }
        foreach (string shard in shards)
        {
            using var file = SafetensorsFile.Open(_temp.File(shard));
            long size = file.Tensors.Sum(t => t.ByteCount);
            Assert.True(size <= 600 || file.Tensors.Count == 1, $"{shard} holds {size} bytes");
        }

        using var reader = CheckpointReader.Open(_temp.Path);
        AssertReadsBack(reader);
        Assert.Equal(shards.Length, reader.Files.Count);
        Assert.EndsWith(shards[0], reader.Files[0].Path);
    }

    [Fact]
    public void ATensorLargerThanTheShardSizeGetsAShardOfItsOwn()
    {
        CheckpointWriter.Save(_temp.Path, _weights, maxShardBytes: 100);
        using var reader = CheckpointReader.Open(_temp.Path);
        AssertReadsBack(reader);
        Assert.Contains(reader.Files, f => f.Tensors.Count == 1 && f.Tensors[0].Name == "lm_head.weight");
    }

    [Fact]
    public void SavingUnshardedOverAShardedCheckpointRemovesTheOldShardsAndIndex()
    {
        File.WriteAllText(_temp.File("config.json"), "{}");
        CheckpointWriter.Save(_temp.Path, _weights, maxShardBytes: 600);
        Assert.True(CheckpointFiles().Length > 3);
        CheckpointWriter.Save(_temp.Path, _weights);
        Assert.Equal(["config.json", "model.safetensors"], CheckpointFiles());
        using var reader = CheckpointReader.Open(_temp.Path);
        AssertReadsBack(reader);
    }

    [Fact]
    public void SavingShardedOverACheckpointRemovesEverythingStale()
    {
        CheckpointWriter.Save(_temp.Path, _weights);
        // A leftover shard of a larger earlier save, with a name this save will not use.
        File.WriteAllBytes(_temp.File("model-00007-of-00009.safetensors"), [1, 2, 3]);
        File.WriteAllText(_temp.File("tokenizer.json"), "{}");
        CheckpointWriter.Save(_temp.Path, _weights, maxShardBytes: 600);
        string[] files = CheckpointFiles();
        Assert.DoesNotContain("model.safetensors", files);
        Assert.DoesNotContain("model-00007-of-00009.safetensors", files);
        Assert.Contains("tokenizer.json", files);
        Assert.DoesNotContain(files, f => f.Contains(".tmp-", StringComparison.Ordinal));
        using var reader = CheckpointReader.Open(_temp.Path);
        AssertReadsBack(reader);
    }

    [Fact]
    public void TheCallersFormatMetadataIsKept()
    {
        CheckpointWriter.Save(_temp.Path, _weights, metadata: new Dictionary<string, string> { ["format"] = "mlx" });
        using var reader = CheckpointReader.Open(_temp.Path);
        Assert.Equal("mlx", reader.Metadata["format"]);
    }

    [Fact]
    public void SaveCreatesTheFolder()
    {
        string folder = Path.Combine(_temp.Path, "out", "final");
        CheckpointWriter.Save(folder, _weights);
        using var reader = CheckpointReader.Open(folder);
        AssertReadsBack(reader);
    }

    [Fact]
    public void ANonPositiveShardSizeIsRejected()
    {
        var ex = Assert.Throws<SharpTuneException>(() => CheckpointWriter.Save(_temp.Path, _weights, maxShardBytes: 0));
        Assert.Contains(_temp.Path, ex.Message);
        Assert.Contains("shard size", ex.Message);
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        using var a = torch.ones(2);
        var ex = Assert.Throws<SharpTuneException>(() => CheckpointWriter.Save(_temp.Path, [new("w", a), new("w", a)]));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("duplicate", ex.Message);
        Assert.Empty(CheckpointFiles());
    }
}
