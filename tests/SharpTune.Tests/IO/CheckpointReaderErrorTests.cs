using SharpTune.IO;
using TorchSharp;

namespace SharpTune.Tests.IO;

/// <summary>Broken model folders: each must fail to open with a message naming the file at fault and the fault.</summary>
public sealed class CheckpointReaderErrorTests : IDisposable
{
    private const string Index = "model.safetensors.index.json";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private SharpTuneException AssertRejected(string file, string phrase, string? tensor = null)
    {
        var ex = Assert.Throws<SharpTuneException>(() => CheckpointReader.Open(_temp.Path).Dispose());
        Assert.Contains(file, ex.Message);
        if (tensor != null) Assert.Contains($"'{tensor}'", ex.Message);
        Assert.Contains(phrase, ex.Message);
        return ex;
    }

    private void WriteShard(string fileName, params string[] names)
    {
        using var t = torch.ones(2);
        SafetensorsWriter.Write(_temp.File(fileName), names.Select(n => new KeyValuePair<string, torch.Tensor>(n, t)));
    }

    [Fact]
    public void MissingFolder()
    {
        string folder = Path.Combine(_temp.Path, "nope");
        var ex = Assert.Throws<SharpTuneException>(() => CheckpointReader.Open(folder));
        Assert.Contains(folder, ex.Message);
        Assert.Contains("folder not found", ex.Message);
    }

    [Fact]
    public void FolderWithoutWeights()
    {
        File.WriteAllText(_temp.File("config.json"), "{}");
        AssertRejected(_temp.Path, "no model.safetensors or model.safetensors.index.json");
    }

    [Fact]
    public void FolderWithPytorchBinWeightsSaysSo()
    {
        File.WriteAllBytes(_temp.File("pytorch_model.bin"), [0]);
        AssertRejected(_temp.Path, "pytorch_model.bin");
    }

    [Fact]
    public void InvalidSingleFileNamesThatFile()
    {
        File.WriteAllBytes(_temp.File("model.safetensors"), [1, 2, 3]);
        AssertRejected("model.safetensors", "too short");
    }

    [Fact]
    public void IndexThatIsNotJson()
    {
        File.WriteAllText(_temp.File(Index), "{\"weight_map\": {");
        AssertRejected(Index, "not valid JSON");
    }

    [Fact]
    public void IndexThatIsNotAnObject()
    {
        File.WriteAllText(_temp.File(Index), "[]");
        AssertRejected(Index, "not an object");
    }

    [Fact]
    public void IndexWithoutWeightMap()
    {
        File.WriteAllText(_temp.File(Index), "{\"metadata\": {\"total_size\": 8}}");
        AssertRejected(Index, "lacks the \"weight_map\"");
    }

    [Fact]
    public void WeightMapThatIsNotAnObject()
    {
        File.WriteAllText(_temp.File(Index), "{\"weight_map\": [\"a\"]}");
        AssertRejected(Index, "\"weight_map\" must be an object");
    }

    [Fact]
    public void WeightMapValueThatIsNotAString()
    {
        File.WriteAllText(_temp.File(Index), "{\"weight_map\": {\"a\": 1}}");
        AssertRejected(Index, "must be a shard file name", "a");
    }

    [Fact]
    public void WeightMapWithADuplicateName()
    {
        WriteShard("model-00001-of-00001.safetensors", "a");
        File.WriteAllText(_temp.File(Index),
            "{\"weight_map\": {\"a\": \"model-00001-of-00001.safetensors\", \"a\": \"model-00001-of-00001.safetensors\"}}");
        AssertRejected(Index, "appears twice in weight_map", "a");
    }

    [Fact]
    public void WeightMapPointingOutsideTheFolder()
    {
        File.WriteAllText(_temp.File(Index), "{\"weight_map\": {\"a\": \"../elsewhere.safetensors\"}}");
        AssertRejected(Index, "not a plain file name", "a");
    }

    [Fact]
    public void MissingShard()
    {
        WriteShard("model-00001-of-00002.safetensors", "a");
        File.WriteAllText(_temp.File(Index),
            "{\"metadata\": {\"total_size\": 16}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}");
        var ex = AssertRejected(Index, "is missing", "b");
        Assert.Contains("model-00002-of-00002.safetensors", ex.Message);
    }

    [Fact]
    public void NameInWeightMapAbsentFromItsShard()
    {
        WriteShard("model-00001-of-00002.safetensors", "a");
        WriteShard("model-00002-of-00002.safetensors", "b");
        File.WriteAllText(_temp.File(Index),
            "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"c\": \"model-00002-of-00002.safetensors\"}}");
        var ex = AssertRejected(Index, "has no such tensor", "c");
        Assert.Contains("model-00002-of-00002.safetensors", ex.Message);
    }

    [Fact]
    public void CorruptShardNamesTheShard()
    {
        WriteShard("model-00001-of-00002.safetensors", "a");
        File.WriteAllBytes(_temp.File("model-00002-of-00002.safetensors"), []);
        File.WriteAllText(_temp.File(Index),
            "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}");
        AssertRejected("model-00002-of-00002.safetensors", "empty");
    }

    [Fact]
    public void AskingForAnAbsentTensorNamesTheFolderAndTensor()
    {
        WriteShard("model.safetensors", "a");
        using var reader = CheckpointReader.Open(_temp.Path);
        Assert.False(reader.Contains("b"));
        var ex = Assert.Throws<SharpTuneException>(() => reader.ReadTensor("b"));
        Assert.Contains(_temp.Path, ex.Message);
        Assert.Contains("'b'", ex.Message);
        Assert.Contains("no tensor named", ex.Message);
        Assert.Throws<SharpTuneException>(() => reader.Info("b"));
    }

    [Fact]
    public void TensorsInAShardButNotInTheIndexAreNotListed()
    {
        WriteShard("model-00001-of-00001.safetensors", "a", "extra");
        File.WriteAllText(_temp.File(Index), "{\"weight_map\": {\"a\": \"model-00001-of-00001.safetensors\"}}");
        using var reader = CheckpointReader.Open(_temp.Path);
        Assert.Equal(["a"], reader.Names);
    }
}
