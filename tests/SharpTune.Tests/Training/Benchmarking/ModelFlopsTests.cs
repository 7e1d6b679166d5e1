using SharpTune.Models;
using SharpTune.Training.Benchmarking;

namespace SharpTune.Tests.Training.Benchmarking;

public sealed class ModelFlopsTests
{
    /// <summary>A hand-sized shape: hidden 8, 2 heads of 4 (1 kv head), intermediate 16, 3 layers, vocabulary 10.</summary>
    private static ModelConfig Shape()
    {
        var json = ModelPresets.Config("tiny", "llama");
        foreach (var (key, value) in new (string, long)[]
                 { ("hidden_size", 8), ("num_attention_heads", 2), ("num_key_value_heads", 1), ("head_dim", 4), ("intermediate_size", 16), ("num_hidden_layers", 3), ("vocab_size", 10) })
            json[key] = value;
        return ModelConfig.FromJson(json, "test");
    }

    [Fact]
    public void Matmul_weights_are_every_projection_and_the_output_head()
    {
        // Per layer: q 8·8, k 8·4, v 8·4, o 8·8 = 192; gate, up, down 3·8·16 = 384; head 8·10 = 80.
        Assert.Equal(3 * (192 + 384) + 80, ModelFlops.BaseMatmulWeights(Shape()));
    }

    [Fact]
    public void Full_training_costs_six_flops_per_weight_and_lora_four_per_frozen_weight()
    {
        var config = Shape();
        long weights = 3 * (192 + 384) + 80;
        double attention = 12.0 * 3 * 32 * 2 * 4; // 12·L·T·heads·head_dim at T = 32
        var full = ModelFlops.For(config, 32, fullFineTuning: true, adapterWeights: 0);
        Assert.Equal(6.0 * weights + attention, full.PerToken);
        var lora = ModelFlops.For(config, 32, fullFineTuning: false, adapterWeights: 100);
        Assert.Equal(4.0 * weights + 6.0 * 100 + attention, lora.PerToken);
        Assert.Equal((weights, 100L), (lora.FrozenMatmulWeights, lora.TrainedMatmulWeights));
    }

    [Fact]
    public void Model_flops_of_a_preset_match_its_parameter_count()
    {
        // Tied embeddings: the matmul weights are all parameters but the norms (the embedding doubles as the head).
        var json = ModelPresets.Config("small", null);
        var config = ModelConfig.FromJson(json, "small");
        using var model = new LlamaForCausalLM(config);
        long norms = model.named_parameters().Where(p => p.name.EndsWith("norm.weight", StringComparison.Ordinal)).Sum(p => p.parameter.numel());
        Assert.Equal(model.ParameterCount() - norms, ModelFlops.BaseMatmulWeights(config));
    }
}
