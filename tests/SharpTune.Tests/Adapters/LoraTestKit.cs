using SharpTune.Adapters;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

/// <summary>Shared steps of the adapter tests: a fixed input, logits, non-zero LoRA updates, weight snapshots.</summary>
internal static class LoraTestKit
{
    /// <summary>The projections of one Llama decoder layer, in peft's naming.</summary>
    public static readonly string[] LayerProjections =
    [
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
    ];

    public static Tensor Ids() => tensor(new long[] { 1, 17, 42, 5, 88, 23, 61, 9, 2, 40, 30, 11 }, ScalarType.Int64).view(2, 6);

    public static Tensor Logits(LlamaForCausalLM model)
    {
        using var ids = Ids();
        using var _ = no_grad();
        return model.Forward(ids);
    }

    /// <summary>Gives every B a random value (and A a fresh one), as training would, so the update is not zero.</summary>
    public static void Randomize(LoraModel lora, long seed = 5, double std = 0.3)
    {
        var generator = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var layer in lora.Layers.Values)
        {
            using var a = normal(0.0, std, layer.LoraA.shape, ScalarType.Float32, generator: generator);
            using var b = normal(0.0, std, layer.LoraB.shape, ScalarType.Float32, generator: generator);
            layer.LoraA.copy_(a);
            layer.LoraB.copy_(b);
        }
    }

    /// <summary>A detached copy of every parameter, by name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>A second model with the same weights as <paramref name="model"/> (built from the same seed).</summary>
    public static LlamaForCausalLM Twin(string arch = "llama", long seed = 1, Action<System.Text.Json.Nodes.JsonObject>? edit = null) =>
        Models.TinyModels.Create(arch, seed, edit);
}
