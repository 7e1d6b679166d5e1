using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

public sealed class LlamaForCausalLMTests
{
    [Fact]
    public void Parameter_names_are_exactly_transformers()
    {
        using var model = TinyModels.Create("llama");
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", names);
        Assert.Contains("model.layers.1.self_attn.o_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.up_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.down_proj.weight", names);
        Assert.Contains("model.layers.0.input_layernorm.weight", names);
        Assert.Contains("model.layers.0.post_attention_layernorm.weight", names);
        Assert.Contains("model.norm.weight", names);
        Assert.Contains("lm_head.weight", names);
        Assert.DoesNotContain(names, n => n.Contains(".bias"));
        // 1 embedding + 2 × (4 attention + 3 mlp + 2 norms) + final norm + head
        Assert.Equal(1 + 2 * 9 + 1 + 1, names.Count);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([32L, 32L], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([16L, 32L], shapes["model.layers.0.self_attn.k_proj.weight"]); // 2 kv heads × 8
        Assert.Equal([97L, 32L], shapes["lm_head.weight"]);
    }

    [Fact]
    public void Qwen2_has_qkv_biases_and_tied_models_have_no_head()
    {
        using var model = TinyModels.Create("qwen2", edit: j => j["tie_word_embeddings"] = true);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Contains("model.layers.0.self_attn.k_proj.bias", names);
        Assert.Contains("model.layers.0.self_attn.v_proj.bias", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
        Assert.DoesNotContain("lm_head.weight", names);

        using var ids = tensor(new long[] { 3, 5, 7 }).unsqueeze(0);
        using var logits = model.Forward(ids);
        using var hidden = model.Model.Forward(ids);
        using var expected = hidden.matmul(model.Model.EmbedTokens.weight!.t());
        Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("mistral")]
    public void Kv_cache_decoding_matches_full_recomputation(string arch)
    {
        using var model = TinyModels.Create(arch, seed: 7);
        long[] sequence = [1, 17, 42, 5, 88, 23, 61, 9, 70, 33, 12, 54];
        using var full = model.Forward(tensor(sequence).unsqueeze(0));

        using var cache = new KvCache(model.Config, 1, sequence.Length, ScalarType.Float32, CPU);
        var steps = new List<Tensor>();
        // A prompt of 5 in one pass, then one token at a time.
        steps.Add(model.Forward(tensor(sequence[..5]).unsqueeze(0), cache: cache));
        for (int i = 5; i < sequence.Length; i++) steps.Add(model.Forward(tensor(new[] { sequence[i] }).unsqueeze(0), cache: cache));
        using var incremental = cat(steps.ToArray(), 1);

        double diff = (full - incremental).abs().max().item<float>();
        Assert.True(diff <= 1e-4, $"{arch}: max |full - cached| = {diff}");
        Assert.True(full.abs().max().item<float>() > 1.0, "logits too small for the comparison to mean anything");
        foreach (var t in steps) t.Dispose();
    }

    [Fact]
    public void Sliding_window_limits_attention_with_and_without_cache()
    {
        using var windowed = TinyModels.Create("mistral", seed: 3, edit: j => j["sliding_window"] = 4);
        using var unlimited = TinyModels.Create("mistral", seed: 3);
        long[] sequence = [1, 11, 22, 33, 44, 55, 66, 77, 88, 12];
        using var ids = tensor(sequence).unsqueeze(0);
        using var a = windowed.Forward(ids);
        using var b = unlimited.Forward(ids);
        // Identical for the first 4 positions, different once the window drops early keys.
        Assert.True((a.narrow(1, 0, 4) - b.narrow(1, 0, 4)).abs().max().item<float>() < 1e-5);
        Assert.True((a.narrow(1, 5, 5) - b.narrow(1, 5, 5)).abs().max().item<float>() > 1e-3);

        using var cache = new KvCache(windowed.Config, 1, sequence.Length, ScalarType.Float32, CPU);
        var steps = sequence.Select(id => windowed.Forward(tensor(new[] { id }).unsqueeze(0), cache: cache)).ToArray();
        using var incremental = cat(steps, 1);
        Assert.True((a - incremental).abs().max().item<float>() <= 1e-4);
        foreach (var t in steps) t.Dispose();
    }

    [Fact]
    public void Left_padding_with_mask_and_positions_gives_the_unpadded_logits()
    {
        using var model = TinyModels.Create("llama", seed: 5);
        long[] tokens = [1, 30, 31, 32, 33];
        using var alone = model.Forward(tensor(tokens).unsqueeze(0));

        using var padded = tensor(new long[] { 0, 0, 1, 30, 31, 32, 33 }).unsqueeze(0);
        using var mask = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1 }).unsqueeze(0);
        using var positions = tensor(new long[] { 0, 0, 0, 1, 2, 3, 4 }).unsqueeze(0);
        using var logits = model.Forward(padded, mask, positions);
        Assert.False(logits.isnan().any().item<bool>());
        Assert.True((logits.narrow(1, 2, 5) - alone).abs().max().item<float>() <= 1e-4);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("mistral")]
    public void A_packed_row_gives_each_samples_own_logits(string arch)
    {
        using var model = TinyModels.Create(arch, seed: 6);
        long[] first = [1, 30, 31, 32], second = [1, 40, 41], third = [1, 50, 51, 52, 53];
        // Three samples in one row with a padding tail; positions restart per sample, the mask holds sample indices.
        long[] row = [.. first, .. second, .. third, 0, 0];
        long[] samples = [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 0, 0];
        long[] positions = [0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 4, 0, 0];
        using var packed = model.Forward(tensor(row).unsqueeze(0), tensor(samples).unsqueeze(0), tensor(positions).unsqueeze(0));
        Assert.False(packed.isnan().any().item<bool>());
        long offset = 0;
        foreach (var sample in new[] { first, second, third })
        {
            using var alone = model.Forward(tensor(sample).unsqueeze(0));
            Assert.True((packed.narrow(1, offset, sample.Length) - alone).abs().max().item<float>() <= 1e-4, $"sample at {offset}");
            offset += sample.Length;
        }
    }

    [Fact]
    public void Gradient_checkpointing_gives_the_same_loss_and_gradients()
    {
        using var model = TinyModels.Create("llama", seed: 7);
        using var ids = tensor(new long[] { 1, 5, 9, 14, 3, 8, 2, 11 }).reshape(2, 4);
        Dictionary<string, Tensor> Gradients(bool checkpointing)
        {
            model.zero_grad();
            model.Model.GradientCheckpointing = checkpointing;
            var logits = model.Forward(ids);
            nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), ids.roll(-1, 1).reshape(-1)).backward();
            return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        }
        var plain = Gradients(false);
        var recomputed = Gradients(true);
        foreach (var (name, grad) in plain)
            Assert.True((grad - recomputed[name]).abs().max().item<float>() <= 1e-5 * Math.Max(1, grad.abs().max().item<float>()), name);
    }

    [Fact]
    public void Linear_slots_can_be_swapped_by_name()
    {
        using var model = TinyModels.Create("llama");
        var attention = model.Model.Layers[0].named_children().Single(c => c.name == "self_attn").module;
        var host = Assert.IsAssignableFrom<ILinearHost>(attention);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj"], host.LinearNames);
        var replacement = nn.Linear(32, 32, hasBias: true);
        host.ReplaceLinear("q_proj", replacement);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Same(replacement, host.GetLinear("q_proj"));
        Assert.Throws<ArgumentException>(() => host.ReplaceLinear("nope", replacement));
    }

    [Fact]
    public void Initialisation_is_seeded_and_follows_transformers()
    {
        using var a = new LlamaForCausalLM(TinyModels.Config("qwen2"));
        using var b = new LlamaForCausalLM(TinyModels.Config("qwen2"));
        a.InitializeWeights(42);
        b.InitializeWeights(42);
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
        {
            Assert.True(Tensors.Identical(pa, pb), name);
            if (name.EndsWith("norm.weight")) Assert.True(pa.eq(1).all().item<bool>(), name);
            if (name.EndsWith(".bias")) Assert.True(pa.eq(0).all().item<bool>(), name);
        }
        var embed = a.Model.EmbedTokens.weight!;
        Assert.InRange(embed.std().item<float>(), 0.017, 0.023);
    }
}
