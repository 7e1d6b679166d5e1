using SharpTune.Data;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>Log-probabilities a causal LM gives to tokens, per position and summed over a sequence's trained labels.</summary>
public static class TokenLogProbs
{
    /// <summary>log p(<paramref name="targets"/>[b, t] | logits[b, t]) [batch, seq], in float32.</summary>
    public static Tensor Of(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var logProbs = nn.functional.log_softmax(logits.to(ScalarType.Float32), -1);
        return logProbs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per row, the summed log-probability of the trained labels (labels unshifted, -100 untrained; the logits at t
    /// predict the label at t + 1) and how many labels that is: [batch] each.
    /// </summary>
    public static (Tensor Sum, Tensor Count) OfLabels(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        long seq = logits.shape[1];
        var shifted = labels.narrow(1, 1, seq - 1);
        var trained = shifted.ne(CausalLmLoss.IgnoreIndex);
        var perToken = Of(logits.narrow(1, 0, seq - 1), shifted.masked_fill(trained.logical_not(), 0));
        var sum = (perToken * trained.to(ScalarType.Float32)).sum(-1);
        var count = trained.to(ScalarType.Float32).sum(-1);
        return (sum.MoveToOuterDisposeScope(), count.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <see cref="OfLabels"/> for the answers of preference pairs under <paramref name="model"/>, chosen and rejected in
    /// one forward pass: [2·pairs] each, the chosen answers first.
    /// </summary>
    public static (Tensor Sum, Tensor Count) OfPairs(LlamaForCausalLM model, BatchCollator collator, IReadOnlyList<TokenizedPair> pairs, Device device)
    {
        using var scope = NewDisposeScope();
        var (chosen, rejected) = collator.CollatePairs(pairs);
        var c = BatchTensors.From(chosen, device);
        var r = BatchTensors.From(rejected, device);
        var logits = model.Forward(cat([c.Ids, r.Ids]), cat([c.Mask, r.Mask]), cat([c.Positions, r.Positions]));
        var (sum, count) = OfLabels(logits, cat([c.Labels, r.Labels]));
        return (sum.MoveToOuterDisposeScope(), count.MoveToOuterDisposeScope());
    }

    /// <summary>The entropy of each position's next-token distribution [batch, seq], in float32.</summary>
    public static Tensor Entropy(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var logProbs = nn.functional.log_softmax(logits.to(ScalarType.Float32), -1);
        return (-(logProbs.exp() * logProbs).sum(-1)).MoveToOuterDisposeScope();
    }
}
