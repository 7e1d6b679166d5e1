using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// Odds-ratio preference optimisation (<c>rl: orpo</c> or <c>stage: orpo</c>): supervised fine-tuning and preference
/// alignment in one stage and without a reference model. The loss of a batch is the NLL of the chosen answers (per
/// token) plus λ times ORPO's odds-ratio term (<see cref="OrpoLoss"/>) on length-averaged log-probabilities.
/// summary.json reports, on held-out pairs before and after, how often the chosen answer has the higher average
/// log-probability (<c>reward_accuracy</c>), the mean margin of λ·average log-probability, and the held-out loss.
/// </summary>
public sealed class OrpoRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>Runs the training (continuing from the newest checkpoint with <paramref name="resume"/>); returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var (device, _, data) = PreferenceStageStart.Prepare(config, log);
        double alpha = config.Alignment.OrpoAlpha;

        using var model = CausalLmModels.Load(config, device, log);
        var lora = (LoraModel?)config.Adapter.Apply(model, config.BaseModel, config.Seed); // TrainConfig allows only full and LoRA here
        var trainable = TrainableParameter.Of(model);
        log($"{config.Describe()}, ORPO with orpo_alpha {alpha} on {device}: {TrainableParameterCount.Of(model)}");
        var objective = new Objective(model, lora, new BatchCollator(data.PadId), alpha, config.MicroBatchSize, device);

        var clock = Stopwatch.StartNew();
        var (state, before, after) = new PairwiseTrainer(config, log, progress).Run(objective, trainable, data.TrainPairs, data.ValidationPairs, resume);
        double seconds = clock.Elapsed.TotalSeconds;
        objective.Save(config.OutputDir);
        var results = PairEvaluation.BeforeAfter(before, after);
        results["orpo_alpha"] = alpha;
        log($"held-out reward accuracy {results["reward_accuracy_before"]} → {results["reward_accuracy_after"]}, margin {results["reward_margin_before"]} → {results["reward_margin_after"]}");
        return StageSummary.Write(config, model, device, state, data.TrainPairs.Count, data.ValidationPairs.Count, results,
            state.TokensSeen / Math.Max(1e-9, seconds), log);
    }

    /// <summary>The policy's log-probabilities of each pair's answers, and the ORPO loss on them.</summary>
    private sealed class Objective(LlamaForCausalLM model, LoraModel? lora, BatchCollator collator, double alpha, int batchSize, Device device) : IPairObjective
    {
        /// <summary>The loss terms of <paramref name="pairs"/>: summed NLL and token count of the chosen answers, and the odds-ratio terms.</summary>
        private (Tensor NllSum, Tensor ChosenTokens, Tensor OddsLosses, Tensor LogOdds, Tensor Chosen, Tensor Rejected) Terms(IReadOnlyList<TokenizedPair> pairs)
        {
            using var scope = NewDisposeScope();
            var (sum, count) = TokenLogProbs.OfPairs(model, collator, pairs, device);
            var average = sum / count.clamp_min(1);
            int n = pairs.Count;
            var (odds, logOdds, chosenRewards, rejectedRewards) = OrpoLoss.Compute(average.narrow(0, 0, n), average.narrow(0, n, n), alpha);
            return ((-sum.narrow(0, 0, n).sum()).MoveToOuterDisposeScope(), count.narrow(0, 0, n).sum().MoveToOuterDisposeScope(),
                odds.MoveToOuterDisposeScope(), logOdds.MoveToOuterDisposeScope(), chosenRewards.MoveToOuterDisposeScope(), rejectedRewards.MoveToOuterDisposeScope());
        }

        public (Tensor Loss, IReadOnlyDictionary<string, double> Stats) Loss(IReadOnlyList<TokenizedPair> pairs, IReadOnlyList<int> indices)
        {
            model.train();
            var (nllSum, tokens, odds, logOdds, chosen, rejected) = Terms(pairs);
            var nll = nllSum / tokens.clamp_min(1);
            var stats = new Dictionary<string, double>
            {
                ["nll_loss"] = nll.item<float>(),
                ["log_odds_ratio"] = logOdds.mean().item<float>(),
                ["rewards_chosen"] = chosen.mean().item<float>(),
                ["rewards_rejected"] = rejected.mean().item<float>(),
                ["reward_accuracy"] = chosen.gt(rejected).to(ScalarType.Float32).mean().item<float>(),
                ["reward_margin"] = (chosen - rejected).mean().item<float>(),
            };
            return (nll + odds.mean(), stats);
        }

        public JsonObject Evaluate(IReadOnlyList<TokenizedPair> pairs)
        {
            model.eval();
            // The held-out loss per pair: the chosen answer's NLL per token plus the odds-ratio term, summed over pairs.
            return PairEvaluation.Run(pairs, batchSize, (batch, _) =>
            {
                var (nllSum, tokens, odds, _, chosen, rejected) = Terms(batch);
                double loss = (nllSum / tokens.clamp_min(1)).item<float>() * batch.Count + odds.sum().item<float>();
                return (loss, chosen, rejected);
            }, "eval_reward_accuracy", "eval_reward_margin");
        }

        public void Save(string folder)
        {
            if (lora is not null) lora.Save(folder);
            else HfModelFolder.Save(model, folder);
        }

        public void LoadTrainable(string folder) => CausalLmModels.LoadTrainable(model, lora, folder);
    }
}
