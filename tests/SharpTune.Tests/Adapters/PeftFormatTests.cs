using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

public sealed class PeftFormatTests
{
    /// <summary>The fields peft 0.18 writes in a LoRA adapter_config.json, less peft_version (we are not peft).</summary>
    private static readonly string[] PeftLoraFields =
    [
        "alora_invocation_tokens", "alpha_pattern", "arrow_config", "auto_mapping", "base_model_name_or_path", "bias",
        "corda_config", "ensure_weight_tying", "eva_config", "exclude_modules", "fan_in_fan_out", "inference_mode",
        "init_lora_weights", "layer_replication", "layers_pattern", "layers_to_transform", "loftq_config", "lora_alpha",
        "lora_bias", "lora_dropout", "megatron_config", "megatron_core", "modules_to_save", "peft_type", "qalora_group_size",
        "r", "rank_pattern", "revision", "target_modules", "target_parameters", "task_type", "trainable_token_indices",
        "use_dora", "use_qalora", "use_rslora",
    ];

    [Fact]
    public void Saved_tensors_have_peft_keys_and_shapes()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true, ModulesToSave = ["lm_head"] });
        lora.Save(dir.Path);

        using var file = SafetensorsFile.Open(dir.File("adapter_model.safetensors"));
        Assert.Equal("pt", file.Metadata["format"]);
        var expected = new Dictionary<string, long[]>();
        // hidden 32, 4 query heads and 2 key/value heads of 8, intermediate 64.
        var shapes = new Dictionary<string, (long Out, long In)>
        {
            ["self_attn.q_proj"] = (32, 32), ["self_attn.k_proj"] = (16, 32), ["self_attn.v_proj"] = (16, 32), ["self_attn.o_proj"] = (32, 32),
            ["mlp.gate_proj"] = (64, 32), ["mlp.up_proj"] = (64, 32), ["mlp.down_proj"] = (32, 64),
        };
        for (int layer = 0; layer < 2; layer++)
            foreach (var (proj, (o, i)) in shapes)
            {
                expected[$"base_model.model.model.layers.{layer}.{proj}.lora_A.weight"] = [4, i];
                expected[$"base_model.model.model.layers.{layer}.{proj}.lora_B.weight"] = [o, 4];
            }
        expected["base_model.model.lm_head.weight"] = [97, 32];
        Assert.Equal(expected.Keys.Order(), file.Tensors.Select(t => t.Name).Order());
        foreach (var t in file.Tensors)
        {
            Assert.Equal(expected[t.Name], t.Shape);
            Assert.Equal(SafetensorsDtype.F32, t.Dtype);
        }
    }

    [Fact]
    public void Adapter_config_has_every_field_peft_writes()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig
        {
            R = 16, Alpha = 32, Dropout = 0.05, UseRslora = true, TargetAllLinear = true,
            ModulesToSave = ["embed_tokens"], BaseModelNameOrPath = "models/tiny",
        });
        lora.Save(dir.Path);
        string text = File.ReadAllText(dir.File("adapter_config.json"));
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(PeftLoraFields, json.Select(p => p.Key)); // every field, sorted as peft sorts them
        Assert.StartsWith("{\n  \"alora_invocation_tokens\": null,\n  \"alpha_pattern\": {},", text); // indent 2, as json.dumps(indent=2)
        Assert.Equal("LORA", (string)json["peft_type"]!);
        Assert.Equal("CAUSAL_LM", (string)json["task_type"]!);
        Assert.Equal(16, (int)json["r"]!);
        Assert.Equal("32", json["lora_alpha"]!.ToJsonString()); // an integer, as peft's int field
        Assert.Contains("\"lora_dropout\": 0.05,", text);
        Assert.Equal("0.0", PeftAdapterConfig.ToJson(new LoraConfig())["lora_dropout"]!.ToJsonString()); // a float, as Python writes it
        Assert.True((bool)json["use_rslora"]!);
        Assert.True((bool)json["inference_mode"]!);
        Assert.True((bool)json["init_lora_weights"]!);
        Assert.False((bool)json["fan_in_fan_out"]!);
        Assert.False((bool)json["use_dora"]!);
        Assert.Equal("none", (string)json["bias"]!);
        Assert.Equal("models/tiny", (string)json["base_model_name_or_path"]!);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], json["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["embed_tokens"], json["modules_to_save"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("{}", json["rank_pattern"]!.ToJsonString());
        Assert.Equal("{}", json["alpha_pattern"]!.ToJsonString());
        foreach (var key in new[] { "layers_to_transform", "layers_pattern", "revision", "exclude_modules", "megatron_config", "layer_replication" })
            Assert.Null(json[key]);
    }

    [Fact]
    public void Save_then_load_is_bit_identical()
    {
        using var dir = new TempFolder();
        using var model = TinyModels.Create("qwen2");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 16, Dropout = 0.1, TargetAllLinear = true, ModulesToSave = ["lm_head"] }, seed: 9);
        LoraTestKit.Randomize(lora);
        using (no_grad()) model.named_parameters().Single(p => p.name == "lm_head.weight").parameter.mul_(1.5);
        using var adapted = LoraTestKit.Logits(model);
        lora.Save(dir.Path);

        using var twin = TinyModels.Create("qwen2");
        var loaded = LoraModel.Load(twin, dir.Path);
        Assert.Equal((4, 16.0, 0.1, false), (loaded.Config.R, loaded.Config.Alpha, loaded.Config.Dropout, loaded.Config.UseRslora));
        Assert.Equal(["lm_head"], loaded.Config.ModulesToSave);
        Assert.Equal(lora.Config.TargetModules!.Names, loaded.Config.TargetModules!.Names);
        var a = lora.AdapterTensors();
        var b = loaded.AdapterTensors();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (key, t) in a) Assert.True(Tensors.Identical(t, b[key]), key);
        using var reloaded = LoraTestKit.Logits(twin);
        Assert.True(Tensors.Identical(adapted, reloaded));
        Assert.All(twin.parameters(), p => Assert.False(p.requires_grad)); // loaded for inference

        using var third = TinyModels.Create("qwen2");
        var resumed = LoraModel.Load(third, dir.Path, trainable: true);
        Assert.Equal(b.Keys.Order(), third.named_parameters().Where(p => p.parameter.requires_grad).Select(p => "base_model.model." + p.name).Order());
    }

    [Fact]
    public void An_adapter_written_as_peft_writes_it_loads()
    {
        using var dir = new TempFolder();
        // adapter_config.json exactly as peft 0.18.1's save_pretrained writes it (sorted keys, indent 2, no final newline,
        // target_modules in a set's arbitrary order, its own peft_version).
        File.WriteAllText(dir.File("adapter_config.json"), """
            {
              "alora_invocation_tokens": null,
              "alpha_pattern": {},
              "arrow_config": null,
              "auto_mapping": null,
              "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M",
              "bias": "none",
              "corda_config": null,
              "ensure_weight_tying": false,
              "eva_config": null,
              "exclude_modules": null,
              "fan_in_fan_out": false,
              "inference_mode": true,
              "init_lora_weights": true,
              "layer_replication": null,
              "layers_pattern": null,
              "layers_to_transform": null,
              "loftq_config": {},
              "lora_alpha": 8,
              "lora_bias": false,
              "lora_dropout": 0.05,
              "megatron_config": null,
              "megatron_core": "megatron.core",
              "modules_to_save": [
                "lm_head"
              ],
              "peft_type": "LORA",
              "peft_version": "0.18.1",
              "qalora_group_size": 16,
              "r": 4,
              "rank_pattern": {},
              "revision": null,
              "target_modules": [
                "down_proj",
                "v_proj",
                "q_proj"
              ],
              "target_parameters": null,
              "task_type": "CAUSAL_LM",
              "trainable_token_indices": null,
              "use_dora": false,
              "use_qalora": false,
              "use_rslora": false
            }
            """);
        // adapter_model.safetensors with peft's key names, here in bf16 as an adapter saved from a bf16 model would be.
        var generator = new Generator(21);
        var tensors = new Dictionary<string, Tensor>();
        var shapes = new Dictionary<string, (long Out, long In)> { ["self_attn.q_proj"] = (32, 32), ["self_attn.v_proj"] = (16, 32), ["mlp.down_proj"] = (32, 64) };
        for (int layer = 0; layer < 2; layer++)
            foreach (var (proj, (o, i)) in shapes)
            {
                tensors[$"base_model.model.model.layers.{layer}.{proj}.lora_A.weight"] = normal(0, 0.3, [4, i], generator: generator).to(ScalarType.BFloat16);
                tensors[$"base_model.model.model.layers.{layer}.{proj}.lora_B.weight"] = normal(0, 0.3, [o, 4], generator: generator).to(ScalarType.BFloat16);
            }
        tensors["base_model.model.lm_head.weight"] = normal(0, 0.5, [97, 32], generator: generator).to(ScalarType.BFloat16);
        SafetensorsWriter.Write(dir.File("adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });

        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Load(model, dir.Path);
        Assert.Equal(6, lora.Layers.Count);
        Assert.Equal(2.0, lora.Config.Scaling);
        Assert.Equal(0.05, lora.Config.Dropout);
        Assert.Equal("HuggingFaceTB/SmolLM2-135M", lora.Config.BaseModelNameOrPath);
        using var adapted = LoraTestKit.Logits(model);

        // The same model built by hand: W + 2·B·A in each target, and the saved lm_head.
        using var reference = TinyModels.Create("llama");
        using (no_grad())
        {
            var weights = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            for (int layer = 0; layer < 2; layer++)
                foreach (var proj in shapes.Keys)
                {
                    string key = $"base_model.model.model.layers.{layer}.{proj}";
                    using var delta = tensors[key + ".lora_B.weight"].to(ScalarType.Float32).matmul(tensors[key + ".lora_A.weight"].to(ScalarType.Float32)) * 2.0;
                    weights[$"model.layers.{layer}.{proj}.weight"].add_(delta);
                }
            weights["lm_head.weight"].copy_(tensors["base_model.model.lm_head.weight"]);
        }
        using var expected = LoraTestKit.Logits(reference);
        Assert.True(adapted.allclose(expected, rtol: 1e-4, atol: 1e-3));
        using var baseLogits = LoraTestKit.Logits(TinyModels.Create("llama"));
        Assert.False(adapted.allclose(baseLogits, rtol: 1e-2, atol: 1e-2));
        foreach (var t in tensors.Values) t.Dispose();
    }
}
