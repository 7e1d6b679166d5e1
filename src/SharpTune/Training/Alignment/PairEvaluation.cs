using System.Text.Json.Nodes;
using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// The held-out pass every preference stage makes: score the pairs batch by batch without gradients and report the
/// mean loss, the share of pairs whose chosen answer scores above the rejected one, and the mean score margin.
/// </summary>
public static class PairEvaluation
{
    /// <summary>
    /// Runs <paramref name="score"/> over <paramref name="pairs"/> in batches of <paramref name="batchSize"/> (it gets
    /// each batch and its first pair's index, and gives the batch's summed loss and its chosen and rejected scores);
    /// returns <c>eval_loss</c>, <paramref name="accuracyKey"/> and <paramref name="marginKey"/>.
    /// </summary>
    public static JsonObject Run(IReadOnlyList<TokenizedPair> pairs, int batchSize, Func<List<TokenizedPair>, int, (double LossSum, Tensor Chosen, Tensor Rejected)> score,
        string accuracyKey, string marginKey)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(score);
        using var noGrad = no_grad();
        double loss = 0, right = 0, margin = 0;
        for (int start = 0; start < pairs.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = pairs.Skip(start).Take(batchSize).ToList();
            var (lossSum, chosen, rejected) = score(batch, start);
            loss += lossSum;
            right += chosen.gt(rejected).sum().item<long>();
            margin += (chosen - rejected).sum().item<float>();
        }
        return new JsonObject { ["eval_loss"] = loss / pairs.Count, [accuracyKey] = right / pairs.Count, [marginKey] = margin / pairs.Count };
    }

    /// <summary>The before/after entries summary.json reports for a stage scored by reward accuracy and margin (DPO, ORPO).</summary>
    public static JsonObject BeforeAfter(JsonObject before, JsonObject after) => new()
    {
        ["reward_accuracy_before"] = before["eval_reward_accuracy"]?.DeepClone(),
        ["reward_accuracy_after"] = after["eval_reward_accuracy"]?.DeepClone(),
        ["reward_margin_before"] = before["eval_reward_margin"]?.DeepClone(),
        ["reward_margin_after"] = after["eval_reward_margin"]?.DeepClone(),
        ["eval_loss_before"] = before["eval_loss"]?.DeepClone(),
        ["eval_loss_after"] = after["eval_loss"]?.DeepClone(),
    };
}
