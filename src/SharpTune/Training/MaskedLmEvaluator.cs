using SharpTune.Data;
using SharpTune.Models.Bert;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Scores a masked LM on held-out rows under fixed masks (the same seeds every time, so the scores before and after
/// training compare): the cross-entropy per masked token, and the masked accuracy — the share of masked tokens whose
/// original the model ranks first. The rows are scored <see cref="Passes"/> times under different masks, so a small
/// validation set still scores many masked tokens.
/// </summary>
public static class MaskedLmEvaluator
{
    /// <summary>The seed of the evaluation masks.</summary>
    public const long MaskSeed = 1234;

    /// <summary>How many differently masked passes over the validation rows are scored.</summary>
    public const int Passes = 8;

    /// <summary>Loss and accuracy over the masked tokens of <paramref name="rows"/>.</summary>
    public static (double Loss, double Accuracy, long Masked) Evaluate(BertForMaskedLM model, IReadOnlyList<TokenizedSample> rows, BatchCollator collator,
        MlmMasking masking, int batchSize, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        double total = 0;
        long masked = 0, right = 0, index = 0;
        foreach (var batch in Enumerable.Range(0, Passes).SelectMany(_ => collator.Batches(rows, batchSize)))
        {
            using var scope = NewDisposeScope();
            var (inputs, labels) = masking.Apply(batch.InputIds, batch.AttentionMask, MlmMasking.RandomFor(MaskSeed, 0, index++));
            long[] shape = [batch.Rows, batch.Length];
            var target = tensor(labels, shape).to(device);
            var logits = model.Forward(tensor(inputs, shape).to(device), tensor(batch.AttentionMask, shape).to(device));
            total += MaskedLmLoss.Sum(logits, target).item<float>();
            var chosen = target.ne(CausalLmLoss.IgnoreIndex);
            masked += chosen.sum().item<long>();
            right += logits.argmax(-1).eq(target).logical_and(chosen).sum().item<long>();
        }
        return (masked == 0 ? double.NaN : total / masked, masked == 0 ? double.NaN : (double)right / masked, masked);
    }
}
