using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Tests.Adapters;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Quantization;

/// <summary>LoRA over quantized base layers: a fresh adapter is a no-op, gradients reach only A and B, merging keeps the logits, training lowers the loss.</summary>
public sealed class QloraLayerTests
{
    private static readonly QuantizationConfig Nf4Double = new() { Type = QuantType.Nf4, DoubleQuant = true };

    private static LoraConfig AllLinear => new() { R = 4, Alpha = 8, TargetAllLinear = true };

    private static LlamaForCausalLM Quantized(QuantizationConfig config)
    {
        var model = TinyModels.Create("llama");
        ModelQuantizer.Quantize(model, config);
        return model;
    }

    /// <summary>The same model with every quantized layer replaced by a plain float32 layer holding its dequantized weight.</summary>
    private static LlamaForCausalLM DequantizedTwin(QuantizationConfig config)
    {
        var model = Quantized(config);
        ModelQuantizer.Dequantize(model, ScalarType.Float32);
        return model;
    }

    private static double Loss(LlamaForCausalLM model, bool backward)
    {
        using var scope = NewDisposeScope();
        using var ids = LoraTestKit.Ids();
        var logits = model.Forward(ids);
        var loss = nn.functional.cross_entropy(logits[.., ..^1, ..].reshape(-1, logits.shape[2]), ids[.., 1..].reshape(-1));
        if (backward) loss.backward();
        return loss.item<float>();
    }

    [Theory]
    [InlineData(QuantType.Nf4)]
    [InlineData(QuantType.Fp4)]
    [InlineData(QuantType.Int8)]
    public void Every_linear_but_lm_head_is_quantized_and_a_fresh_adapter_changes_no_output(QuantType type)
    {
        var config = new QuantizationConfig { Type = type, DoubleQuant = type != QuantType.Int8 };
        using var model = Quantized(config);
        var layers = ModelQuantizer.QuantizedLayers(model);
        Assert.Equal(2 * LoraTestKit.LayerProjections.Length, layers.Count);
        Assert.DoesNotContain(layers, l => l.Path == "lm_head");
        Assert.All(model.named_parameters(), p => Assert.DoesNotContain(".q_proj.", p.name));

        using var dequantized = DequantizedTwin(config);
        using var expected = LoraTestKit.Logits(dequantized);
        using var before = LoraTestKit.Logits(model);
        Assert.True(before.allclose(expected, rtol: 1e-5, atol: 1e-5));

        var lora = LoraModel.Inject(model, AllLinear, seed: 3);
        Assert.Equal(2 * LoraTestKit.LayerProjections.Length, lora.Layers.Count);
        Assert.All(lora.Layers.Values, l => Assert.NotNull(l.QuantizedBase));
        using var after = LoraTestKit.Logits(model);
        Assert.True(after.allclose(before, 0, 0));
    }

    [Fact]
    public void Gradients_reach_a_and_b_only_and_equal_those_over_the_dequantized_base()
    {
        using var model = Quantized(Nf4Double);
        var lora = LoraModel.Inject(model, AllLinear, seed: 3);
        LoraTestKit.Randomize(lora, std: 0.05);
        using var twin = DequantizedTwin(Nf4Double);
        var twinLora = LoraModel.Inject(twin, AllLinear, seed: 3);
        LoraTestKit.Randomize(twinLora, std: 0.05);

        model.train();
        twin.train();
        Loss(model, backward: true);
        Loss(twin, backward: true);
        Assert.All(model.named_parameters(), p => Assert.Equal(p.name.Contains(".lora_"), p.parameter.requires_grad));
        foreach (var (path, layer) in lora.Layers)
        {
            Assert.NotNull(layer.LoraA.grad);
            Assert.NotNull(layer.LoraB.grad);
            Assert.True(layer.LoraA.grad!.abs().sum().item<float>() > 0, path);
            Assert.True(layer.LoraB.grad!.abs().sum().item<float>() > 0, path);
            var other = twinLora.Layers[path];
            Assert.True(layer.LoraA.grad.allclose(other.LoraA.grad!, rtol: 1e-4, atol: 1e-6), path);
            Assert.True(layer.LoraB.grad.allclose(other.LoraB.grad!, rtol: 1e-4, atol: 1e-6), path);
            var packed = layer.QuantizedBase!.named_buffers().Single(b => b.name == "weight").buffer;
            Assert.Equal(ScalarType.Byte, packed.dtype);
            Assert.False(packed.requires_grad);
            Assert.Null(packed.grad);
        }
    }

    [Fact]
    public void Merging_gives_the_adapted_models_logits_with_plain_linear_layers()
    {
        using var model = Quantized(Nf4Double);
        var lora = LoraModel.Inject(model, AllLinear, seed: 3);
        LoraTestKit.Randomize(lora, std: 0.05);
        using var adapted = LoraTestKit.Logits(model);
        lora.MergeAndUnload();
        Assert.Empty(ModelQuantizer.QuantizedLayers(model));
        Assert.Contains(model.named_parameters(), p => p.name == "model.layers.0.self_attn.q_proj.weight");
        using var merged = LoraTestKit.Logits(model);
        Assert.True(merged.allclose(adapted, rtol: 1e-4, atol: 1e-4), $"max diff {(merged - adapted).abs().max().item<float>()}");
    }

    [Fact]
    public void A_few_steps_on_the_adapter_lower_the_loss_and_leave_the_packed_weights_unchanged()
    {
        using var model = Quantized(Nf4Double);
        LoraModel.Inject(model, AllLinear, seed: 3);
        var packedBefore = model.named_buffers().Where(b => b.name.EndsWith(".weight")).ToDictionary(b => b.name, b => b.buffer.clone());
        Assert.NotEmpty(packedBefore);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        model.train();
        double before = Loss(model, backward: false);
        for (int i = 0; i < 8; i++)
        {
            foreach (var p in trainable) p.grad?.zero_();
            Loss(model, backward: true);
            using var _ = no_grad();
            foreach (var p in trainable) p.sub_(p.grad! * 0.05);
        }
        double after = Loss(model, backward: false);
        Assert.True(after < before - 0.05, $"loss {before} -> {after}");
        foreach (var (name, buffer) in model.named_buffers().Where(b => packedBefore.ContainsKey(b.name)))
            Assert.True(buffer.allclose(packedBefore[name], 0, 0), name);
    }
}
