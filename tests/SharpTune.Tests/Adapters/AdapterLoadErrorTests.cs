using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

/// <summary>One test per way an adapter folder can be wrong: each is a clear error naming the file and what is wrong, and leaves the model as it was.</summary>
public sealed class AdapterLoadErrorTests
{
    /// <summary>Writes a valid q/v adapter for the tiny llama into <paramref name="dir"/>, then lets the test spoil it.</summary>
    private static void WriteAdapter(TempFolder dir)
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4 });
        lora.Save(dir.Path);
    }

    private static void EditConfig(TempFolder dir, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(dir.File("adapter_config.json")))!.AsObject();
        edit(json);
        File.WriteAllText(dir.File("adapter_config.json"), json.ToJsonString());
    }

    private static void EditWeights(TempFolder dir, Action<Dictionary<string, Tensor>> edit)
    {
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(dir.File("adapter_model.safetensors")))
            tensors = file.Tensors.ToDictionary(t => t.Name, t => file.ReadTensor(t.Name));
        edit(tensors);
        SafetensorsWriter.Write(dir.File("adapter_model.safetensors"), tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>Loading fails with a message containing every one of <paramref name="expected"/>, and the model keeps its plain layers.</summary>
    private static void AssertLoadFails(TempFolder dir, params string[] expected) => AssertLoadFails(dir.Path, expected);

    private static void AssertLoadFails(string folder, params string[] expected)
    {
        using var model = TinyModels.Create("llama");
        var names = model.named_parameters().Select(p => p.name).ToList();
        var e = Assert.Throws<SharpTuneException>(() => LoraModel.Load(model, folder));
        foreach (var text in expected) Assert.Contains(text, e.Message);
        Assert.Equal(names, model.named_parameters().Select(p => p.name).ToList());
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Missing_tensors_are_named()
    {
        using var dir = new TempFolder();
        WriteAdapter(dir);
        EditWeights(dir, t => t.Remove("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
        AssertLoadFails(dir, "adapter_model.safetensors", "missing tensors (1)", "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
    }

    [Fact]
    public void Unexpected_tensors_are_named()
    {
        using var dir = new TempFolder();
        WriteAdapter(dir);
        // The in-memory name with peft's adapter name was never what peft saves.
        EditWeights(dir, t => t["base_model.model.model.layers.0.self_attn.k_proj.lora_A.default.weight"] = zeros(4, 32));
        AssertLoadFails(dir, "unexpected tensors (1)", "base_model.model.model.layers.0.self_attn.k_proj.lora_A.default.weight");
    }

    [Fact]
    public void Misshapen_tensors_are_named_with_both_shapes()
    {
        using var dir = new TempFolder();
        WriteAdapter(dir);
        EditWeights(dir, t => t["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"] = zeros(4, 48));
        AssertLoadFails(dir, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight: file [4, 48], model expects [4, 32]");
    }

    [Fact]
    public void A_rank_that_disagrees_with_the_config_is_a_shape_error()
    {
        using var dir = new TempFolder();
        WriteAdapter(dir);
        EditConfig(dir, j => j["r"] = 8);
        AssertLoadFails(dir, "mismatched (8)", "file [4, 32], model expects [8, 32]");
    }

    [Fact]
    public void Integer_tensors_are_rejected()
    {
        using var dir = new TempFolder();
        WriteAdapter(dir);
        EditWeights(dir, t => t["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"] = zeros([32, 4], ScalarType.Int32));
        AssertLoadFails(dir, "must be floating point", "q_proj.lora_B.weight: I32");
    }

    [Theory]
    [InlineData("use_dora", "true", "DoRA")]
    [InlineData("rank_pattern", "{\"q_proj\": 16}", "rank_pattern")]
    [InlineData("alpha_pattern", "{\"q_proj\": 16}", "alpha_pattern")]
    [InlineData("peft_type", "\"PROMPT_TUNING\"", "peft_type 'PROMPT_TUNING' is not supported")]
    [InlineData("task_type", "\"TOKEN_CLS\"", "task_type 'TOKEN_CLS' is not supported")]
    [InlineData("bias", "\"all\"", "bias 'all' is not supported")]
    [InlineData("lora_bias", "true", "lora_bias")]
    [InlineData("init_lora_weights", "\"pissa\"", "init_lora_weights \"pissa\" is not supported")]
    [InlineData("layer_replication", "[[0, 2]]", "layer_replication")]
    [InlineData("r", "\"eight\"", "key 'r' must be an integer")]
    [InlineData("r", "0", "r (lora_r) must be a positive integer")]
    [InlineData("lora_dropout", "1.5", "lora_dropout must be in [0, 1)")]
    [InlineData("target_modules", "[\"nope\"]", "match no linear layer")]
    [InlineData("target_modules", "\"(q\"", "not a valid regular expression")]
    [InlineData("modules_to_save", "[\"score\"]", "modules_to_save 'score' matches no module")]
    [InlineData("modules_to_save", "5", "key 'modules_to_save' must be a list of strings")]
    public void Unsupported_or_bad_config_values_are_named(string key, string value, string expected)
    {
        using var dir = new TempFolder();
        WriteAdapter(dir);
        EditConfig(dir, j => j[key] = JsonNode.Parse(value));
        AssertLoadFails(dir, "adapter_config.json", expected);
    }

    [Fact]
    public void Broken_or_missing_files_are_clear_errors()
    {
        using var dir = new TempFolder();
        AssertLoadFails(dir.File("absent"), "adapter folder not found");
        WriteAdapter(dir);
        File.WriteAllText(dir.File("adapter_config.json"), "{\"peft_type\": \"LORA\",");
        AssertLoadFails(dir, "adapter_config.json: not valid JSON");
        File.WriteAllText(dir.File("adapter_config.json"), "{\"r\": 4}");
        AssertLoadFails(dir, "required key 'peft_type' is missing");
        File.Delete(dir.File("adapter_config.json"));
        AssertLoadFails(dir, "adapter config not found");

        using var bin = new TempFolder();
        WriteAdapter(bin);
        File.Move(bin.File("adapter_model.safetensors"), bin.File("adapter_model.bin"));
        AssertLoadFails(bin, "no adapter_model.safetensors", "adapter_model.bin, a pickle file");
    }
}
