using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

/// <summary>RoPE, RMSNorm and grouped-query attention against small references computed by hand.</summary>
public sealed class ComponentTests
{
    [Fact]
    public void Rope_rotates_each_half_pair_by_position_times_frequency()
    {
        // head_dim 4, theta 10000: inverse frequencies 1 and 10000^(-1/2) = 0.01.
        var config = TinyModels.Config("llama", j => { j["head_dim"] = 4; j["num_attention_heads"] = 8; j["rope_theta"] = 10000.0; });
        var rope = new RotaryEmbedding(config);
        Assert.Equal([1.0f, 0.01f], rope.InverseFrequenciesCpu.data<float>().ToArray());

        using var x = tensor(new float[] { 1, 2, 3, 4 }).view(1, 1, 1, 4);           // [B, H, T, D]
        var (cos, sin) = rope.Tables(tensor(new long[] { 3 }).view(1, 1), ScalarType.Float32);
        var y = RotaryEmbedding.Apply(x, cos, sin).data<float>().ToArray();
        // Pairs are (x0, x2) at angle 3·1 and (x1, x3) at angle 3·0.01.
        double a = 3.0, b = 0.03;
        double[] expected = [1 * Math.Cos(a) - 3 * Math.Sin(a), 2 * Math.Cos(b) - 4 * Math.Sin(b),
                             3 * Math.Cos(a) + 1 * Math.Sin(a), 4 * Math.Cos(b) + 2 * Math.Sin(b)];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 5);
    }

    [Fact]
    public void Rope_at_position_zero_is_the_identity_and_preserves_norms()
    {
        var rope = new RotaryEmbedding(TinyModels.Config("llama"));
        using var x = randn(1, 2, 5, 8);
        var (cos, sin) = rope.Tables(arange(0, 5).unsqueeze(0), ScalarType.Float32);
        using var y = RotaryEmbedding.Apply(x, cos, sin);
        Assert.True(y.narrow(2, 0, 1).allclose(x.narrow(2, 0, 1)));
        Assert.True(y.norm(-1).allclose(x.norm(-1), rtol: 1e-5));
    }

    [Fact]
    public void Llama3_scaling_matches_the_published_rule_in_all_three_regimes()
    {
        var scaling = new RopeScaling("llama3", 8.0, 1.0, 4.0, 64);
        long dim = 32;
        double theta = 10000.0;
        var ours = RotaryEmbedding.InverseFrequencies(dim, theta, scaling).data<float>().ToArray();
        int low = 0, high = 0, mid = 0;
        for (int i = 0; i < dim / 2; i++)
        {
            double f = 1.0 / Math.Pow(theta, 2.0 * i / dim);
            double wavelen = 2 * Math.PI / f;
            double lowWavelen = 64 / 1.0, highWavelen = 64 / 4.0;
            double expected;
            if (wavelen < highWavelen) { expected = f; high++; }
            else if (wavelen > lowWavelen) { expected = f / 8.0; low++; }
            else
            {
                double smooth = (64 / wavelen - 1.0) / (4.0 - 1.0);
                expected = (1 - smooth) * f / 8.0 + smooth * f;
                mid++;
            }
            Assert.True(Math.Abs(ours[i] - expected) <= 1e-6 * Math.Max(1.0, expected) + 1e-9, $"i={i}: {ours[i]} vs {expected}");
        }
        Assert.True(low > 0 && high > 0 && mid > 0, $"regimes covered: low {low}, mid {mid}, high {high}");
    }

    [Fact]
    public void Linear_scaling_divides_positions_by_the_factor()
    {
        var plain = new RotaryEmbedding(TinyModels.Config("llama"));
        var linear = new RotaryEmbedding(TinyModels.Config("llama", j => j["rope_scaling"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "linear", ["factor"] = 4.0 }));
        var (c1, s1) = plain.Tables(tensor(new long[] { 2 }).view(1, 1), ScalarType.Float32);
        var (c2, s2) = linear.Tables(tensor(new long[] { 8 }).view(1, 1), ScalarType.Float32);
        Assert.True(c1.allclose(c2, rtol: 1e-5, atol: 1e-6) && s1.allclose(s2, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void RmsNorm_divides_by_the_root_mean_square_and_scales()
    {
        using var norm = new RmsNorm(4, 1e-6);
        using (no_grad()) norm.Weight.copy_(tensor(new float[] { 1, 2, 0.5f, -1 }));
        using var x = tensor(new float[] { 1, -2, 3, 4 }).view(1, 4);
        var y = norm.forward(x).data<float>().ToArray();
        double rms = Math.Sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-6);
        double[] expected = [1 / rms * 1, -2 / rms * 2, 3 / rms * 0.5, 4 / rms * -1];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 5);
    }

    [Fact]
    public void Grouped_query_attention_shares_each_kv_head_among_its_query_group()
    {
        using var kv = arange(0, 2 * 3 * 1).to(ScalarType.Float32).view(1, 2, 3, 1); // 2 kv heads
        using var repeated = LlamaAttention.RepeatKeyValueHeads(kv, 3);           // 6 query heads
        Assert.Equal([1L, 6L, 3L, 1L], repeated.shape);
        for (int h = 0; h < 6; h++) Assert.True(Tensors.Identical(repeated[0, h], kv[0, h / 3]), $"head {h}");
    }

    [Fact]
    public void Attention_layer_matches_a_per_head_reference()
    {
        using var model = TinyModels.Create("llama", seed: 11);
        var config = model.Config;
        var attention = (LlamaAttention)model.Model.Layers[0].named_children().Single(c => c.name == "self_attn").module;
        long T = 6, D = config.HeadDim, H = config.NumAttentionHeads, G = config.KeyValueGroups;
        using var x = randn(1, T, config.HiddenSize);
        var (cos, sin) = model.Model.Rotary.Tables(arange(0, T).unsqueeze(0), ScalarType.Float32);
        using var ours = attention.Forward(x, cos, sin, null, true, null);

        Tensor Weight(string n) => attention.GetLinear(n).named_parameters().Single(p => p.name == "weight").parameter;
        var q = x.matmul(Weight("q_proj").t()).view(T, H, D);
        var k = x.matmul(Weight("k_proj").t()).view(T, H / G, D);
        var v = x.matmul(Weight("v_proj").t()).view(T, H / G, D);
        var heads = new List<Tensor>();
        for (long h = 0; h < H; h++)
        {
            var qh = RotaryEmbedding.Apply(q.select(1, h).view(1, 1, T, D), cos, sin).view(T, D);
            var kh = RotaryEmbedding.Apply(k.select(1, h / G).view(1, 1, T, D), cos, sin).view(T, D);
            var scores = qh.matmul(kh.t()) / Math.Sqrt(D);
            scores = scores.masked_fill(ones(T, T, dtype: ScalarType.Bool).triu(1), double.NegativeInfinity);
            heads.Add(scores.softmax(-1).matmul(v.select(1, h / G)));
        }
        using var expected = cat(heads.ToArray(), 1).matmul(Weight("o_proj").t()).unsqueeze(0);
        Assert.True((ours - expected).abs().max().item<float>() <= 1e-4);
    }
}
