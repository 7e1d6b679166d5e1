using SharpTune.Models;
using SharpTune.Tests.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public sealed class FusedLinearCrossEntropyTests
{
    [Theory]
    [InlineData(3, true)]     // several chunks, the last one short; the head trains (full fine-tuning, tied embeddings)
    [InlineData(0, false)]    // one chunk; the head is frozen (LoRA): only the hidden states get a gradient
    public void Loss_and_gradients_equal_the_head_then_cross_entropy(long chunkRows, bool headTrains)
    {
        manual_seed(3);
        var hidden = randn(2, 5, 8);
        var weight = randn(11, 8) * 0.5;
        var labels = tensor(new long[] { 1, 4, CausalLmLoss.IgnoreIndex, 9, 0, 10, CausalLmLoss.IgnoreIndex, 2, 3, 7 }, [2, 5]);

        var h1 = hidden.clone().requires_grad_(true);
        var w1 = weight.clone().requires_grad_(headTrains);
        var expected = CausalLmLoss.Sum(nn.functional.linear(h1, w1), labels);
        (expected * 0.5).backward();

        var h2 = hidden.clone().requires_grad_(true);
        var w2 = weight.clone().requires_grad_(headTrains);
        var shifted = cat([labels.narrow(1, 1, 4), full(2, 1, CausalLmLoss.IgnoreIndex)], 1).reshape(-1);
        var fused = FusedLinearCrossEntropy.Run(h2.reshape(-1, 8), w2, shifted, chunkRows);
        (fused * 0.5).backward();

        Assert.Equal(expected.item<float>(), fused.item<float>(), 4);
        Assert.True(h2.grad!.allclose(h1.grad!, rtol: 1e-5, atol: 1e-6), $"hidden grad max diff {(h2.grad! - h1.grad!).abs().max().item<float>()}");
        if (headTrains) Assert.True(w2.grad!.allclose(w1.grad!, rtol: 1e-5, atol: 1e-6), $"weight grad max diff {(w2.grad! - w1.grad!).abs().max().item<float>()}");
        else Assert.Null(w2.grad);
    }

    [Fact]
    public void A_models_loss_from_hidden_states_equals_its_loss_from_logits()
    {
        using var model = TinyModels.Create("llama");
        var ids = tensor(new long[] { 5, 9, 2, 7, 1, 3 }, [1, 6]);
        using var expected = CausalLmLoss.Sum(model.Forward(ids), ids);
        using var viaHidden = CausalLmLoss.Sum(model, model.HiddenStates(ids), ids);
        Assert.Equal(expected.item<float>(), viaHidden.item<float>(), 4);
        Assert.NotNull(model.HeadWeight);
    }
}
