using TorchSharp;
using SharpTune.Adapters;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

public sealed class LoraLayerTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void A_fresh_adapter_changes_no_logit(string arch)
    {
        using var model = TinyModels.Create(arch);
        using var before = LoraTestKit.Logits(model);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 16, TargetAllLinear = true }, seed: 3);
        Assert.Equal(14, lora.Layers.Count);
        using var after = LoraTestKit.Logits(model);
        Assert.True(Tensors.Identical(before, after));
    }

    [Fact]
    public void Fresh_A_is_kaiming_uniform_and_B_is_zero()
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 8, TargetAllLinear = true }, seed: 11);
        var down = lora.Layers["model.layers.0.mlp.down_proj"]; // in = 64
        var q = lora.Layers["model.layers.0.self_attn.q_proj"]; // in = 32
        foreach (var (layer, fanIn) in new[] { (down, 64.0), (q, 32.0) })
        {
            double bound = 1 / Math.Sqrt(fanIn);
            Assert.Equal(ScalarType.Float32, layer.LoraA.dtype);
            Assert.True(layer.LoraA.abs().max().item<float>() <= bound);
            // U(-b, b) has standard deviation b/√3.
            Assert.InRange(layer.LoraA.std().item<float>(), 0.8 * bound / Math.Sqrt(3), 1.2 * bound / Math.Sqrt(3));
            Assert.Equal(0, layer.LoraB.count_nonzero().item<long>());
        }
        // Seeded: the same seed gives the same A, another seed another.
        using var again = TinyModels.Create("llama");
        var same = LoraModel.Inject(again, new LoraConfig { R = 8, TargetAllLinear = true }, seed: 11);
        Assert.True(Tensors.Identical(q.LoraA, same.Layers["model.layers.0.self_attn.q_proj"].LoraA));
        using var other = TinyModels.Create("llama");
        var different = LoraModel.Inject(other, new LoraConfig { R = 8, TargetAllLinear = true }, seed: 12);
        Assert.False(Tensors.Identical(q.LoraA, different.Layers["model.layers.0.self_attn.q_proj"].LoraA));
    }

    [Fact]
    public void Gaussian_init_draws_A_with_standard_deviation_one_over_r()
    {
        using var model = TinyModels.Create("llama", edit: j => { j["hidden_size"] = 256; j["head_dim"] = 64; });
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Init = LoraInit.Gaussian }, seed: 2);
        var a = lora.Layers["model.layers.0.self_attn.q_proj"].LoraA; // 4 × 256
        Assert.InRange(a.std().item<float>(), 0.25 * 0.9, 0.25 * 1.1);
        Assert.InRange(a.mean().item<float>(), -0.05, 0.05);
    }

    [Theory]
    [InlineData(false, 16.0 / 4)]
    [InlineData(true, 16.0 / 2)] // rsLoRA: alpha / √r
    public void Output_is_base_plus_B_A_x_times_scaling(bool rslora, double scaling)
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 16, UseRslora = rslora }, seed: 1);
        Assert.Equal(scaling, lora.Config.Scaling);
        LoraTestKit.Randomize(lora);
        var layer = lora.Layers["model.layers.1.self_attn.v_proj"];
        Assert.Equal(scaling, layer.Scaling);
        using var x = randn(3, 5, 32, generator: new Generator(4));
        using var _ = no_grad();
        using var y = layer.forward(x);
        using var baseY = layer.BaseLayer.forward(x);
        using var update = x.matmul(layer.LoraA.t()).matmul(layer.LoraB.t()) * scaling;
        Assert.True(y.allclose(baseY + update, rtol: 1e-5, atol: 1e-5));
        Assert.False(y.allclose(baseY, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void Merging_adds_scaling_B_A_to_W_and_keeps_the_logits()
    {
        using var model = TinyModels.Create("qwen2");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true }, seed: 1);
        LoraTestKit.Randomize(lora);
        using var adapted = LoraTestKit.Logits(model);
        var originals = lora.Layers.ToDictionary(l => l.Key, l => l.Value.BaseLayer.weight!.detach().clone());

        lora.Merge();
        foreach (var (path, layer) in lora.Layers)
        {
            using var expected = originals[path] + layer.LoraB.matmul(layer.LoraA) * 2.0;
            Assert.True(layer.Merged);
            Assert.True(layer.BaseLayer.weight!.allclose(expected, rtol: 1e-6, atol: 1e-6), path);
        }
        using var merged = LoraTestKit.Logits(model);
        Assert.True(merged.allclose(adapted, rtol: 1e-4, atol: 1e-3));

        lora.Unmerge();
        foreach (var (path, layer) in lora.Layers)
            Assert.True(layer.BaseLayer.weight!.allclose(originals[path], rtol: 0, atol: 1e-5), path);
        using var unmerged = LoraTestKit.Logits(model);
        Assert.True(unmerged.allclose(adapted, rtol: 1e-4, atol: 1e-3));
    }

    [Fact]
    public void Merge_and_unload_restores_plain_layers_with_transformers_names()
    {
        using var model = TinyModels.Create("llama");
        var names = model.named_parameters().Select(p => p.name).ToList();
        var lora = LoraModel.Inject(model, new LoraConfig { R = 2, TargetAllLinear = true });
        Assert.Contains("model.layers.0.self_attn.q_proj.base_layer.weight", model.named_parameters().Select(p => p.name));
        Assert.Contains("model.layers.0.self_attn.q_proj.lora_A.weight", model.named_parameters().Select(p => p.name));
        LoraTestKit.Randomize(lora);
        using var adapted = LoraTestKit.Logits(model);

        lora.MergeAndUnload();
        Assert.True(lora.IsUnloaded);
        Assert.Equal(names, model.named_parameters().Select(p => p.name).ToList());
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
        using var merged = LoraTestKit.Logits(model);
        Assert.True(merged.allclose(adapted, rtol: 1e-4, atol: 1e-3));
        Assert.Throws<InvalidOperationException>(() => lora.Save("unused"));
    }

    [Fact]
    public void Unload_gives_back_the_exact_base_model()
    {
        using var model = TinyModels.Create("llama");
        var before = LoraTestKit.Snapshot(model);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 2, TargetAllLinear = true });
        LoraTestKit.Randomize(lora);
        lora.Unload();
        var after = LoraTestKit.Snapshot(model);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, t) in before) Assert.True(Tensors.Identical(t, after[name]), name);
    }

    [Fact]
    public void A_bf16_model_keeps_its_dtype_and_trains_float32_adapters()
    {
        using var model = TinyModels.Create("llama");
        model.to(ScalarType.BFloat16);
        using var before = LoraTestKit.Logits(model);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, TargetAllLinear = true });
        var layer = lora.Layers["model.layers.0.mlp.up_proj"];
        Assert.Equal(ScalarType.Float32, layer.LoraA.dtype);
        Assert.Equal(ScalarType.BFloat16, layer.BaseLayer.weight!.dtype);
        using var fresh = LoraTestKit.Logits(model);
        Assert.Equal(ScalarType.BFloat16, fresh.dtype);
        Assert.True(Tensors.Identical(before, fresh));
        LoraTestKit.Randomize(lora, std: 0.05);
        lora.Merge();
        Assert.Equal(ScalarType.BFloat16, layer.BaseLayer.weight!.dtype);
    }

    [Fact]
    public void Dropout_acts_on_the_lora_path_in_training_mode_only()
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Dropout = 0.5 });
        LoraTestKit.Randomize(lora);
        var layer = lora.Layers["model.layers.0.self_attn.q_proj"];
        using var x = randn(4, 32, generator: new Generator(1));
        using var _ = no_grad();
        Assert.False(layer.training); // the model was in eval mode when injected
        using var eval1 = layer.forward(x);
        using var eval2 = layer.forward(x);
        Assert.True(Tensors.Identical(eval1, eval2));
        model.train();
        using var train = layer.forward(x);
        Assert.False(train.allclose(eval1, rtol: 1e-3, atol: 1e-3));
    }
}
