using SharpTune.Adapters;
using SharpTune.Config;
using SharpTune.Quantization;
using SharpTune.Tests.Models;

namespace SharpTune.Tests.Adapters;

public sealed class AdapterSettingsTests
{
    private static AdapterSettings Read(TempFolder dir, string yaml)
    {
        File.WriteAllText(dir.File("train.yml"), yaml);
        var config = YamlConfigFile.Load(dir.File("train.yml"));
        var settings = AdapterSettings.FromYaml(config);
        config.RejectUnknownKeys();
        return settings;
    }

    [Fact]
    public void Axolotl_lora_keys_become_a_lora_config()
    {
        using var dir = new TempFolder();
        var settings = Read(dir, """
            adapter: lora
            lora_r: 16
            lora_alpha: 32
            lora_dropout: 0.05
            lora_target_linear: true
            lora_modules_to_save:
              - embed_tokens
              - lm_head
            peft_use_rslora: true
            peft_layers_to_transform: [0, 1]
            peft_init_lora_weights: gaussian
            lora_model_dir: previous-run
            """);
        Assert.Equal(AdapterKind.Lora, settings.Kind);
        var lora = settings.Lora!;
        Assert.Equal((16, 32.0, 0.05, true, true), (lora.R, lora.Alpha, lora.Dropout, lora.TargetAllLinear, lora.UseRslora));
        Assert.Equal(["embed_tokens", "lm_head"], lora.ModulesToSave);
        Assert.Equal([0, 1], lora.LayersToTransform!);
        Assert.Equal(LoraInit.Gaussian, lora.Init);
        Assert.Equal(Path.Combine(dir.Path, "previous-run"), settings.LoraModelDir);
        Assert.Equal(32.0 / 4, lora.Scaling);
    }

    [Fact]
    public void Target_modules_are_a_list_of_names_or_one_regular_expression()
    {
        using var dir = new TempFolder();
        var list = Read(dir, "adapter: lora\nlora_target_modules: [q_proj, v_proj]\n").Lora!.TargetModules!;
        Assert.Equal(["q_proj", "v_proj"], list.Names);
        var pattern = Read(dir, "adapter: lora\nlora_target_modules: '.*\\.(q|v)_proj'\n").Lora!.TargetModules!;
        Assert.Equal(@".*\.(q|v)_proj", pattern.Pattern);
        Assert.Null(Read(dir, "adapter: lora\n").Lora!.TargetModules);
    }

    [Fact]
    public void Freeze_keys_follow_llama_factory_and_apply_to_the_model()
    {
        using var dir = new TempFolder();
        var settings = Read(dir, "adapter: freeze\nfreeze_trainable_layers: -1\nfreeze_trainable_modules: mlp,self_attn\nfreeze_extra_modules: [norm]\n");
        Assert.Equal(AdapterKind.Freeze, settings.Kind);
        Assert.Equal(-1, settings.Freeze!.TrainableLayers);
        Assert.Equal(["mlp", "self_attn"], settings.Freeze.TrainableModules);
        using var model = TinyModels.Create("llama");
        Assert.Null(settings.Apply(model, "base", seed: 0));
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(8, trainable.Count); // layer 0: 4 attention + 3 mlp projections, and the final norm
        Assert.All(trainable, n => Assert.True(n.StartsWith("model.layers.0.", StringComparison.Ordinal) || n == "model.norm.weight", n));
    }

    [Fact]
    public void Apply_injects_a_fresh_adapter_recording_the_base_model()
    {
        using var dir = new TempFolder();
        var settings = Read(dir, "adapter: lora\nlora_r: 2\n");
        using var model = TinyModels.Create("llama");
        var lora = Assert.IsType<LoraModel>(settings.Apply(model, "/models/tiny", seed: 1));
        Assert.Equal("/models/tiny", lora.Config.BaseModelNameOrPath);
        Assert.Equal(4, lora.Layers.Count);
        Assert.Equal(8, model.parameters().Count(p => p.requires_grad));
        Assert.Equal(AdapterKind.None, Read(dir, "adapter: ''\n").Kind);
    }

    [Fact]
    public void Qlora_is_lora_on_a_4bit_base_with_bitsandbytes_key_names()
    {
        using var dir = new TempFolder();
        var plain = Read(dir, "adapter: qlora\nlora_r: 4\n");
        Assert.Equal((AdapterKind.Lora, "qlora", 4), (plain.Kind, plain.Method, plain.Lora!.R));
        Assert.Equal(new QuantizationConfig(), plain.Quantization);

        var set = Read(dir, """
            adapter: qlora
            load_in_4bit: true
            bnb_4bit_quant_type: fp4
            bnb_4bit_use_double_quant: true
            bnb_4bit_compute_dtype: bfloat16
            """);
        Assert.Equal(new QuantizationConfig { Type = QuantType.Fp4, DoubleQuant = true, ComputeDtype = TorchSharp.torch.ScalarType.BFloat16 }, set.Quantization);

        var int8 = Read(dir, "adapter: lora\nload_in_8bit: true\n");
        Assert.Equal(("lora", QuantType.Int8, false), (int8.Method, int8.Quantization!.Type, int8.Quantization.Is4Bit));
        Assert.Equal(("lora", null), (Read(dir, "adapter: lora\n").Method, Read(dir, "adapter: lora\n").Quantization));
        Assert.Equal("full", Read(dir, "adapter: full\n").Method);
    }

    [Theory]
    [InlineData("lora_r: 8\n", "train.yml:1: lora_r: is a LoRA setting, but adapter is not lora")]
    [InlineData("adapter: freeze\nlora_alpha: 8\n", "train.yml:2: lora_alpha: is a LoRA setting, but adapter is not lora")]
    [InlineData("adapter: lora\nfreeze_trainable_layers: 2\n", "train.yml:2: freeze_trainable_layers: is a freeze-tuning setting, but adapter is not freeze")]
    [InlineData("adapter: qlora\nload_in_4bit: false\n", "train.yml:2: load_in_4bit: adapter: qlora trains LoRA on a 4-bit base")]
    [InlineData("adapter: qlora\nbnb_4bit_quant_type: int4\n", "train.yml:2: bnb_4bit_quant_type: expected nf4 or fp4, got 'int4'")]
    [InlineData("adapter: qlora\nbnb_4bit_compute_dtype: float64\n", "train.yml:2: bnb_4bit_compute_dtype: expected float32, bfloat16 or float16")]
    [InlineData("adapter: lora\nload_in_8bit: true\nload_in_4bit: true\n", "train.yml:2: load_in_8bit: give load_in_4bit or load_in_8bit, not both")]
    [InlineData("adapter: lora\nbnb_4bit_use_double_quant: true\n", "train.yml:2: bnb_4bit_use_double_quant: is a 4-bit setting, but load_in_4bit is not true")]
    [InlineData("load_in_4bit: true\n", "train.yml:1: load_in_4bit: quantized base weights are frozen")]
    [InlineData("adapter: freeze\nload_in_8bit: true\n", "train.yml:2: load_in_8bit: quantized base weights are frozen")]
    [InlineData("adapter: ia3\n", "unknown adapter 'ia3'")]
    [InlineData("adapter: lora\npeft_use_dora: true\n", "train.yml:2: peft_use_dora: DoRA is not supported yet")]
    [InlineData("adapter: lora\nlora_target_linear: maybe\n", "train.yml:2: lora_target_linear: expected true or false, got 'maybe'")]
    [InlineData("adapter: lora\nlora_target_modules: {q: v}\n", "train.yml:2: lora_target_modules: expected a single value")]
    [InlineData("adapter: lora\nlora_r: 0\n", "r (lora_r) must be a positive integer")]
    [InlineData("adapter: lora\nlora_target_modules: '(q'\n", "train.yml:2: lora_target_modules: '(q' is not a valid regular expression")]
    [InlineData("adapter: lora\npeft_layers_to_transform: [a]\n", "train.yml:2: peft_layers_to_transform: expected a layer index or a list of them, got 'a'")]
    [InlineData("adapter: lora\npeft_init_lora_weights: pissa\n", "peft_init_lora_weights: 'pissa' is not supported")]
    [InlineData("adapter: lora\nlora_rank: 8\n", "unknown key 'lora_rank'")]
    public void Bad_adapter_keys_name_file_line_and_key(string yaml, string expected)
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SharpTuneException>(() => Read(dir, yaml));
        Assert.Contains(expected, e.Message);
    }
}
