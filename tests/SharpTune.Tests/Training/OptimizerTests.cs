using SharpTune.Training.Optimization;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public sealed class OptimizerTests
{
    // Two parameters (a matrix that decays, a bias that does not) and a fixed quadratic loss with their gradients.
    private static (Parameter W, Parameter B, List<TrainableParameter> Ps) Parameters()
    {
        var w = new Parameter(tensor(new float[] { 0.5f, -1.0f, 2.0f, 0.25f }).reshape(2, 2));
        var b = new Parameter(tensor(new float[] { 0.1f, -0.3f }));
        return (w, b, [new("w", w, true), new("b", b, false)]);
    }

    private static void Backward(Parameter w, Parameter b, int step)
    {
        var x = tensor(new float[] { 1f, 2f - step * 0.1f });
        var y = w.matmul(x).add(b);
        y.pow(2).sum().backward();
    }

    [Fact]
    public void AdamW_matches_torchs_formula_step_by_step()
    {
        var (w, b, ps) = Parameters();
        var opt = new AdamW(ps, weightDecay: 0.1);
        var (rw, rb) = (w.detach().clone(), b.detach().clone());
        var (mw, vw, mb, vb) = (zeros(2, 2), zeros(2, 2), zeros(2), zeros(2));
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        for (int t = 1; t <= 5; t++)
        {
            opt.ZeroGrad();
            Backward(w, b, t);
            var (gw, gb) = (w.grad!.clone(), b.grad!.clone());
            opt.Step(lr);
            // Reference: torch.optim.AdamW's update written out.
            rw = rw * (1 - lr * 0.1);
            mw = mw * b1 + gw * (1 - b1); vw = vw * b2 + gw * gw * (1 - b2);
            mb = mb * b1 + gb * (1 - b1); vb = vb * b2 + gb * gb * (1 - b2);
            double c1 = 1 - Math.Pow(b1, t), c2 = 1 - Math.Pow(b2, t);
            rw = rw - lr / c1 * mw / (vw.sqrt() / Math.Sqrt(c2) + eps);
            rb = rb - lr / c1 * mb / (vb.sqrt() / Math.Sqrt(c2) + eps);
            Assert.True(w.detach().allclose(rw, rtol: 1e-5, atol: 1e-6), $"w differs at step {t}");
            Assert.True(b.detach().allclose(rb, rtol: 1e-5, atol: 1e-6), $"b (no decay) differs at step {t}");
        }
    }

    [Fact]
    public void Sgd_with_momentum_matches_torchs_formula()
    {
        var (w, b, ps) = Parameters();
        var opt = new Sgd(ps, momentum: 0.9, weightDecay: 0.01);
        var rw = w.detach().clone();
        Tensor? buf = null;
        for (int t = 1; t <= 4; t++)
        {
            opt.ZeroGrad();
            Backward(w, b, t);
            var g = w.grad!.clone() + rw * 0.01;
            opt.Step(0.05);
            buf = buf is null ? g : buf * 0.9 + g;
            rw = rw - buf * 0.05;
            Assert.True(w.detach().allclose(rw, rtol: 1e-5, atol: 1e-6), $"w differs at step {t}");
        }
    }

    [Fact]
    public void Restored_state_continues_bit_identically()
    {
        var (w1, b1, ps1) = Parameters();
        var (w2, b2, ps2) = Parameters();
        var a = new AdamW(ps1, 0.05);
        for (int t = 1; t <= 3; t++) { a.ZeroGrad(); Backward(w1, b1, t); a.Step(0.01); }
        // The second run starts from the first's weights and optimizer state, as a resumed run does.
        using (no_grad()) { w2.copy_(w1); b2.copy_(b1); }
        var saved = a.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var b = new AdamW(ps2, 0.05);
        b.LoadStateDict(saved, "test");
        for (int t = 4; t <= 6; t++)
        {
            a.ZeroGrad(); Backward(w1, b1, t); a.Step(0.01);
            b.ZeroGrad(); Backward(w2, b2, t); b.Step(0.01);
        }
        Assert.True(Tensors.Identical(w1.detach(), w2.detach()));
        Assert.True(Tensors.Identical(b1.detach(), b2.detach()));
    }

    [Fact]
    public void Missing_state_is_named()
    {
        var (_, _, ps) = Parameters();
        var e = Assert.Throws<SharpTuneException>(() => new AdamW(ps).LoadStateDict(new Dictionary<string, Tensor> { ["step"] = tensor(1L) }, "ckpt/optimizer.safetensors"));
        Assert.Contains("w.exp_avg", e.Message);
        Assert.Contains("ckpt/optimizer.safetensors", e.Message);
    }

    [Fact]
    public void Decay_excludes_norms_and_biases()
    {
        var linear = nn.Linear(3, 2);
        var ps = TrainableParameter.Of(linear);
        Assert.True(ps.Single(p => p.Name == "weight").Decay);
        Assert.False(ps.Single(p => p.Name == "bias").Decay);
    }

    [Theory]
    [InlineData("constant", 0, 1.0, 1.0, 1.0)]
    [InlineData("linear", 0, 1.0, 0.5, 0.0)]
    [InlineData("cosine", 0, 1.0, 0.5, 0.0)]
    [InlineData("linear", 10, 0.0, 0.5, 0.0)]
    public void Schedules_follow_transformers(string kind, long warmup, double atStart, double atMiddle, double atEnd)
    {
        var s = new LearningRateSchedule(kind, 1.0, 110, warmup);
        long middle = warmup + (110 - warmup) / 2;
        Assert.Equal(atStart, s.At(0), 9);
        Assert.Equal(atMiddle, s.At(middle), 9);
        Assert.Equal(atEnd, s.At(110), 9);
        if (warmup > 0)
        {
            Assert.Equal(0.5, s.At(5), 9);
            Assert.Equal(1.0, s.At(10), 9);
        }
    }
}
