using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

public sealed class HfModelFolderTests
{
    private static void AssertSameParameters(LlamaForCausalLM a, LlamaForCausalLM b)
    {
        var right = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(right.Count, a.named_parameters().Count());
        foreach (var (name, p) in a.named_parameters())
            Assert.True(Tensors.Identical(p, right[name]), $"{name} differs after the round trip");
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("qwen2", false)]
    [InlineData("mistral", true)]
    public void Save_then_load_is_bit_exact(string arch, bool sharded)
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create(arch, seed: 9);
        HfModelFolder.Save(model, dir.Path, maxShardBytes: sharded ? 20_000 : 5L << 30);
        Assert.Equal(sharded, File.Exists(dir.File("model.safetensors.index.json")));
        Assert.Equal(!sharded, File.Exists(dir.File("model.safetensors")));
        if (sharded) Assert.True(Directory.GetFiles(dir.Path, "model-*-of-*.safetensors").Length > 2);

        using var loaded = HfModelFolder.Load(dir.Path, CPU, ScalarType.Float32);
        AssertSameParameters(model, loaded);
        using var ids = tensor(new long[] { 1, 4, 9, 16 }).unsqueeze(0);
        Assert.True(Tensors.Identical(model.Forward(ids), loaded.Forward(ids)));
        var config = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!;
        Assert.Equal(arch, (string)config["model_type"]!);
        Assert.Equal("float32", (string)config["torch_dtype"]!);
    }

    [Fact]
    public void Bf16_save_loads_back_to_the_same_bf16_values()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("llama");
        HfModelFolder.Save(model, dir.Path, ScalarType.BFloat16);
        using var reader = CheckpointReader.Open(dir.Path);
        Assert.Equal(SafetensorsDtype.BF16, reader.Info("model.norm.weight").Dtype);
        using var loaded = HfModelFolder.Load(dir.Path, CPU, ScalarType.BFloat16);
        foreach (var (name, p) in model.named_parameters())
        {
            var l = loaded.named_parameters().Single(q => q.name == name).parameter;
            Assert.True(Tensors.Identical(p.to(ScalarType.BFloat16), l), name);
        }
    }

    [Fact]
    public void Tied_models_omit_the_head_and_accept_a_stored_one()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("qwen2", edit: j => j["tie_word_embeddings"] = true);
        HfModelFolder.Save(model, dir.Path);
        using (var reader = CheckpointReader.Open(dir.Path)) Assert.DoesNotContain("lm_head.weight", reader.Names);

        // Some exporters store the tied head anyway; it is ignored, as are old rotary buffers.
        var tensors = model.named_parameters().Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter.detach())).ToList();
        tensors.Add(KeyValuePair.Create("lm_head.weight", (Tensor)model.Model.EmbedTokens.weight!.detach()));
        tensors.Add(KeyValuePair.Create("model.layers.0.self_attn.rotary_emb.inv_freq", (Tensor)ones(4)));
        CheckpointWriter.Save(dir.Path, tensors);
        using var loaded = HfModelFolder.Load(dir.Path, CPU, ScalarType.Float32);
        AssertSameParameters(model, loaded);
    }

    [Fact]
    public void Missing_and_unexpected_tensors_are_listed()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("llama");
        var tensors = model.named_parameters()
            .Where(p => p.name != "model.layers.1.mlp.up_proj.weight")
            .Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter.detach())).ToList();
        tensors.Add(KeyValuePair.Create("model.layers.0.mlp.extra.weight", (Tensor)ones(2)));
        CheckpointWriter.Save(dir.Path, tensors);
        model.Config.Save(dir.File("config.json"));

        var e = Assert.Throws<SharpTuneException>(() => HfModelFolder.Load(dir.Path, CPU, ScalarType.Float32));
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("missing tensors (1)", e.Message);
        Assert.Contains("model.layers.1.mlp.up_proj.weight", e.Message);
        Assert.Contains("unexpected tensors (1)", e.Message);
        Assert.Contains("model.layers.0.mlp.extra.weight", e.Message);
    }

    [Fact]
    public void Shapes_that_do_not_fit_the_config_are_named()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("llama");
        HfModelFolder.Save(model, dir.Path);
        var config = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
        config["intermediate_size"] = 48;
        File.WriteAllText(dir.File("config.json"), config.ToJsonString());
        var e = Assert.Throws<SharpTuneException>(() => HfModelFolder.Load(dir.Path, CPU, ScalarType.Float32));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight: checkpoint [64, 32], config expects [48, 32]", e.Message);
    }

    [Theory]
    [InlineData("gpt2", "model_type 'gpt2' is not supported")]
    [InlineData(null, "required key 'model_type' is missing")]
    public void Unsupported_or_missing_model_type_is_an_error(string? type, string message)
    {
        using var dir = new TempFolder();
        var json = ModelPresets.Config("tiny", "llama");
        if (type is null) json.Remove("model_type"); else json["model_type"] = type;
        File.WriteAllText(dir.File("config.json"), json.ToJsonString());
        var e = Assert.Throws<SharpTuneException>(() => HfModelFolder.LoadConfig(dir.Path));
        Assert.Contains(message, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Theory]
    [InlineData("num_key_value_heads", "3", "must be a multiple of num_key_value_heads")]
    [InlineData("hidden_size", "\"wide\"", "key 'hidden_size' must be an integer")]
    [InlineData("rope_scaling", "{\"rope_type\": \"yarn\", \"factor\": 2.0}", "rope_scaling type 'yarn' is not supported")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act 'gelu' is not supported")]
    public void Bad_config_values_name_the_key(string key, string value, string message)
    {
        var json = ModelPresets.Config("tiny", "llama");
        json[key] = JsonNode.Parse(value);
        var e = Assert.Throws<SharpTuneException>(() => ModelConfig.FromJson(json, "config.json"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Config_round_trip_keeps_unknown_keys()
    {
        var json = ModelPresets.Config("llama-3.2-1b", null);
        json["transformers_version"] = "4.57.0";
        var config = ModelConfig.FromJson(json, "test");
        Assert.Equal("llama3", config.RopeScaling!.Type);
        var again = ModelConfig.FromJson(config.ToJson(), "again");
        Assert.Equal(config.ToJson().ToJsonString(), again.ToJson().ToJsonString());
        Assert.Equal(config.EosTokenIds, again.EosTokenIds);
        Assert.Equal("4.57.0", (string)again.Raw["transformers_version"]!);
    }
}
