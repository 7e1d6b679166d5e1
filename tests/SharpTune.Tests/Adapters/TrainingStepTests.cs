using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

/// <summary>A few plain SGD steps on a toy next-token loss: only the trainable parameters move.</summary>
public sealed class TrainingStepTests
{
    private static double Loss(LlamaForCausalLM model, bool backward)
    {
        using var scope = NewDisposeScope();
        using var ids = LoraTestKit.Ids();
        var logits = model.Forward(ids);
        var predictions = logits[.., ..^1, ..].reshape(-1, logits.shape[2]);
        var targets = ids[.., 1..].reshape(-1);
        var loss = nn.functional.cross_entropy(predictions, targets);
        if (backward) loss.backward();
        return loss.item<float>();
    }

    /// <summary>Runs <paramref name="steps"/> SGD steps on the parameters with requires_grad; returns the losses before and after.</summary>
    private static (double Before, double After) Train(LlamaForCausalLM model, int steps, double learningRate)
    {
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        double before = Loss(model, backward: false);
        for (int i = 0; i < steps; i++)
        {
            foreach (var p in trainable) p.grad?.zero_();
            Loss(model, backward: true);
            using var _ = no_grad();
            foreach (var p in trainable) p.sub_(p.grad! * learningRate);
        }
        foreach (var p in model.parameters()) p.grad?.zero_();
        return (before, Loss(model, backward: false));
    }

    [Fact]
    public void Sgd_on_lora_parameters_lowers_the_loss_and_leaves_every_base_weight_bit_identical()
    {
        using var model = TinyModels.Create("qwen2");
        var before = LoraTestKit.Snapshot(model);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, Dropout = 0.1, TargetAllLinear = true }, seed: 1);
        model.train();
        var adapterBefore = lora.AdapterTensors().ToDictionary(t => t.Key, t => t.Value.detach().clone());

        var (lossBefore, lossAfter) = Train(model, steps: 5, learningRate: 0.05);
        Assert.True(lossAfter < lossBefore, $"loss {lossBefore} -> {lossAfter}");

        // Every base parameter (under its base_layer name now) is untouched and frozen; every LoRA matrix moved.
        var now = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, original) in before)
        {
            string current = now.ContainsKey(name) ? name : name.Replace(".weight", ".base_layer.weight").Replace(".bias", ".base_layer.bias");
            Assert.True(Tensors.Identical(original, now[current]), name);
            Assert.False(now[current].requires_grad, name);
        }
        foreach (var (key, t) in lora.AdapterTensors())
            Assert.False(Tensors.Identical(adapterBefore[key], t), key);
    }

    [Fact]
    public void Freeze_tuning_trains_only_the_chosen_layers_and_modules()
    {
        using var model = TinyModels.Create("llama", edit: j => j["num_hidden_layers"] = 3);
        var trainable = FreezeTuning.Apply(model, new FreezeConfig { TrainableLayers = 1, TrainableModules = ["mlp"], ExtraModules = ["norm"] });
        Assert.Equal(
            ["model.layers.2.mlp.gate_proj.weight", "model.layers.2.mlp.up_proj.weight", "model.layers.2.mlp.down_proj.weight", "model.norm.weight"],
            trainable);
        var count = TrainableParameterCount.Of(model);
        Assert.Equal(3 * 64 * 32 + 32, count.Trainable);

        var before = LoraTestKit.Snapshot(model);
        model.train();
        var (lossBefore, lossAfter) = Train(model, steps: 3, learningRate: 0.05);
        Assert.NotEqual(lossBefore, lossAfter);
        foreach (var (name, p) in model.named_parameters())
            Assert.Equal(!trainable.Contains(name), Tensors.Identical(before[name], p));
    }

    [Fact]
    public void Freeze_layer_counts_follow_llama_factory()
    {
        using var model = TinyModels.Create("llama", edit: j => j["num_hidden_layers"] = 4);
        static IEnumerable<string> Layers(IEnumerable<string> names) => names.Select(n => n.Split('.')[2]).Distinct();
        Assert.Equal(["2", "3"], Layers(FreezeTuning.Apply(model, new FreezeConfig())));           // default: the last 2
        Assert.Equal(["0"], Layers(FreezeTuning.Apply(model, new FreezeConfig { TrainableLayers = -1 }))); // negative: the first n
        Assert.Equal(["0", "1", "2", "3"], Layers(FreezeTuning.Apply(model, new FreezeConfig { TrainableLayers = 9 })));
        Assert.Empty(FreezeTuning.Apply(model, new FreezeConfig { TrainableLayers = 0 }));
        Assert.Equal(
            ["model.embed_tokens.weight", "lm_head.weight"],
            FreezeTuning.Apply(model, new FreezeConfig { TrainableLayers = 0, ExtraModules = ["embed_tokens", "lm_head"] }));
        Assert.Equal(
            ["model.layers.3.self_attn.o_proj.weight"],
            FreezeTuning.Apply(model, new FreezeConfig { TrainableLayers = 1, TrainableModules = ["self_attn.o_proj"] }));

        var badModule = Assert.Throws<SharpTuneException>(() => FreezeTuning.Apply(model, new FreezeConfig { TrainableModules = ["attention"] }));
        Assert.Contains("freeze_trainable_modules 'attention' is not a module of a decoder layer; choose from self_attn, mlp, input_layernorm, post_attention_layernorm", badModule.Message);
        var badExtra = Assert.Throws<SharpTuneException>(() => FreezeTuning.Apply(model, new FreezeConfig { ExtraModules = ["wte"] }));
        Assert.Contains("choose from embed_tokens, norm, lm_head", badExtra.Message);
    }
}
