using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// The output head and the summed next-token cross-entropy in one, over chunks of rows, so the [tokens, vocab] logits
/// never exist whole: each chunk's logits are made, turned into the loss and, while they are at hand, into the
/// gradients of the hidden states (and of the head's weight when it trains) — the same FLOPs as the unfused head
/// and loss, without their [tokens, vocab] activations (for a 128K vocabulary and 2048 tokens that is 1 GiB of
/// float32 logits, and as much again for their gradient). The backward pass only scales the stored gradients.
/// Logits are float32 whatever the weights' dtype, as the unfused loss computes them.
/// </summary>
internal sealed class FusedLinearCrossEntropy : autograd.SingleTensorFunction<FusedLinearCrossEntropy>
{
    /// <summary>Logit elements per chunk: 16M float32 values (64 MiB).</summary>
    public const long ChunkElements = 16L << 20;

    /// <inheritdoc/>
    public override string Name => nameof(FusedLinearCrossEntropy);

    /// <summary>
    /// Σ over rows with a label of −log softmax(hidden·weightᵀ)[label]; <paramref name="hidden"/> [N, D],
    /// <paramref name="weight"/> [V, D], <paramref name="labels"/> [N] (<see cref="CausalLmLoss.IgnoreIndex"/> where
    /// nothing is predicted); <paramref name="chunkRows"/> rows at a time (0: as many as fit <see cref="ChunkElements"/>).
    /// </summary>
    public static Tensor Run(Tensor hidden, Tensor weight, Tensor labels, long chunkRows = 0) => apply(hidden, weight, labels, chunkRows);

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (hidden, weight, labels) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        long rows = hidden.shape[0], vocab = weight.shape[0];
        long chunk = (long)vars[3] is > 0 and var c ? c : Math.Max(1, ChunkElements / vocab);
        bool gradHidden = hidden.requires_grad, gradWeight = weight.requires_grad;
        using var noGrad = no_grad();
        var total = zeros(1, dtype: ScalarType.Float32, device: hidden.device);
        Tensor? dHidden = gradHidden ? zeros_like(hidden).DetachFromDisposeScope() : null;
        Tensor? dWeight = gradWeight ? zeros(weight.shape, dtype: ScalarType.Float32, device: weight.device).DetachFromDisposeScope() : null;
        for (long start = 0; start < rows; start += chunk)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(chunk, rows - start);
            var h = hidden.narrow(0, start, n);
            var y = labels.narrow(0, start, n);
            var valid = y.ne(CausalLmLoss.Ignored);
            var target = where(valid, y, zeros_like(y)).unsqueeze(1);
            var logits = h.matmul(weight.t()).to(ScalarType.Float32);
            var logSumExp = logits.logsumexp(-1, keepdim: true);
            var validF = valid.to(ScalarType.Float32).unsqueeze(1);
            total.add_((logSumExp - logits.gather(1, target)).mul(validF).sum());
            if (!gradHidden && !gradWeight) continue;
            // d loss / d logits = softmax − one-hot(label), zero on rows without a label.
            var grad = logits.sub_(logSumExp).exp_().scatter_add_(1, target, validF.neg()).mul_(validF).to(hidden.dtype);
            dHidden?.narrow(0, start, n).copy_(grad.matmul(weight));
            dWeight?.add_(grad.t().matmul(h).to(ScalarType.Float32));
        }
        ctx.save_data("grads", (dHidden, dWeight, weight.dtype));
        return total.squeeze(0);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var (dHidden, dWeight, weightDtype) = ((Tensor?, Tensor?, ScalarType))ctx.get_data("grads");
        var scale = gradOutput.to(ScalarType.Float32);
        var hiddenGrad = dHidden?.mul_(scale.to(dHidden.dtype));
        var weightGrad = dWeight?.mul_(scale).to(weightDtype);
        // One gradient per forward argument: hidden, weight, labels (none), chunk size (none).
        return [hiddenGrad!, weightGrad!, null!, null!];
    }
}
