using SharpTune.Data;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Scores a causal LM on held-out rows in one teacher-forced pass: the loss per trained label, and exact-match
/// accuracy — a sample counts as right when, at every trained position, the model's most likely next token is the
/// reference token. That is exactly the condition under which greedy decoding from the sample's prompt reproduces
/// its answer (and, for a chat, its end-of-turn marker), so it equals generate-and-compare without generating.
/// </summary>
public static class CausalLmEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="rows"/> in batches of <paramref name="batchSize"/>.</summary>
    public static EvaluationResult Evaluate(LlamaForCausalLM model, IReadOnlyList<TokenizedSample> rows, BatchCollator collator, int batchSize, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        double total = 0;
        long labels = 0;
        int samples = 0, exact = 0;
        foreach (var batch in collator.Batches(rows, batchSize))
        {
            using var scope = NewDisposeScope();
            var t = BatchTensors.From(batch, device);
            var logits = model.Forward(t.Ids, t.Mask, t.Positions);
            total += CausalLmLoss.Sum(logits, t.Labels).item<float>();
            labels += BatchTensors.TrainedLabels(batch);
            long[] predicted = logits.narrow(1, 0, batch.Length - 1).argmax(-1).cpu().data<long>().ToArray();
            var (right, scored) = CountExact(batch, predicted);
            exact += right;
            samples += scored;
        }
        return new EvaluationResult(labels == 0 ? double.NaN : total / labels, labels, samples, exact);
    }

    /// <summary>Per sample of the batch (a row, or one sample of a packed row): whether every trained token was predicted.</summary>
    private static (int Right, int Scored) CountExact(CollatedBatch batch, long[] predicted)
    {
        int right = 0, scored = 0;
        int width = batch.Length, predictedWidth = batch.Length - 1;
        for (int r = 0; r < batch.Rows; r++)
        {
            long sample = -2;
            bool hasLabel = false, allRight = true;
            for (int t = 1; t <= width; t++)
            {
                long id = t < width ? batch.SequenceIds[r * width + t] : -2;
                if (id != sample)
                {
                    if (hasLabel) { scored++; if (allRight) right++; }
                    sample = id;
                    hasLabel = false;
                    allRight = true;
                }
                if (t == width || id < 0) continue;
                long label = batch.Labels[r * width + t];
                if (label == CausalLmLoss.IgnoreIndex) continue;
                hasLabel = true;
                if (predicted[r * predictedWidth + t - 1] != label) allRight = false;
            }
        }
        return (right, scored);
    }
}
