using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// Direct preference optimisation (<c>stage: dpo</c> or axolotl's <c>rl: dpo</c> / <c>rl: ipo</c>): the policy is
/// trained on prompt/chosen/rejected pairs against a frozen reference (<see cref="DpoLoss"/>). The reference is the
/// base model: with LoRA the same model with its adapters disabled (no second copy), in full fine-tuning a frozen
/// copy — or, with <c>precompute_ref_log_probs</c>, its log-probabilities computed once before training and kept in
/// output_dir (so a resumed run uses the same ones). summary.json reports the implicit-reward accuracy and margin on
/// held-out pairs before and after.
/// </summary>
public sealed class DpoRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>The file in output_dir that holds precomputed reference log-probabilities.</summary>
    public const string ReferenceFile = "reference_logps.safetensors";

    /// <summary>Runs the training (continuing from the newest checkpoint with <paramref name="resume"/>); returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var (device, _, data) = PreferenceStageStart.Prepare(config, log);
        var settings = config.Alignment;

        using var model = CausalLmModels.Load(config, device, log);
        var lora = (LoraModel?)config.Adapter.Apply(model, config.BaseModel, config.Seed); // TrainConfig allows only full and LoRA here
        var trainable = TrainableParameter.Of(model);
        log($"{config.Describe()}, {settings.LossType.ToString().ToLowerInvariant()} loss, beta {settings.Beta} on {device}: {TrainableParameterCount.Of(model)}");

        // The reference: the adapter switched off, a precomputed table, or a frozen copy of the base model.
        bool precompute = settings.PrecomputeReferenceLogProbs;
        if (lora is { ModulesToSave.Count: > 0 } && !precompute)
        {
            log($"the adapter trains {string.Join(", ", lora.ModulesToSave)} in place, so the reference log-probabilities are computed once before training");
            precompute = true;
        }
        var collator = new BatchCollator(data.PadId);
        using var copy = !precompute && lora is null ? CausalLmModels.Load(config, device, log) : null;
        if (copy is not null) foreach (var p in copy.parameters()) p.requires_grad = false;
        var objective = new Objective(model, lora, copy, collator, settings, config.MicroBatchSize, device);
        if (precompute) objective.UseTable(ReferenceTable(objective, data));

        var clock = Stopwatch.StartNew();
        var (state, before, after) = new PairwiseTrainer(config, log, progress).Run(objective, trainable, data.TrainPairs, data.ValidationPairs, resume);
        double seconds = clock.Elapsed.TotalSeconds;
        objective.Save(config.OutputDir);
        var results = PairEvaluation.BeforeAfter(before, after);
        results["loss_type"] = settings.LossType.ToString().ToLowerInvariant();
        results["beta"] = settings.Beta;
        results["reference"] = precompute ? "precomputed" : lora is not null ? "adapter disabled" : "frozen copy";
        log($"held-out reward accuracy {results["reward_accuracy_before"]} → {results["reward_accuracy_after"]}, margin {results["reward_margin_before"]} → {results["reward_margin_after"]}");
        return StageSummary.Write(config, model, device, state, data.TrainPairs.Count, data.ValidationPairs.Count, results,
            state.TokensSeen / Math.Max(1e-9, seconds), log);
    }

    /// <summary>The reference log-probabilities of every training and validation pair (chosen, rejected), from output_dir when an earlier attempt of this run computed them.</summary>
    private Tensor ReferenceTable(Objective objective, PreparedDataset data)
    {
        string path = Path.Combine(config.OutputDir, ReferenceFile);
        long rows = data.TrainPairs.Count + data.ValidationPairs.Count;
        if (File.Exists(path))
        {
            using var file = SafetensorsFile.Open(path);
            var stored = file.ReadTensor("reference_logps");
            if (stored.shape.SequenceEqual(new[] { rows, 2L })) return stored;
            stored.Dispose();
        }
        log($"precomputing the reference log-probabilities of {rows} pairs");
        var table = objective.LogProbs([.. data.TrainPairs, .. data.ValidationPairs], reference: true);
        SafetensorsWriter.Write(path, [new("reference_logps", table)]);
        return table;
    }

    /// <summary>The policy's and the reference's sequence log-probabilities of each pair, and the DPO loss on them.</summary>
    private sealed class Objective(LlamaForCausalLM model, LoraModel? lora, LlamaForCausalLM? copy, BatchCollator collator, AlignmentSettings settings, int batchSize, Device device)
        : IPairObjective
    {
        private Tensor? table;
        private int trainCount = -1;

        /// <summary>Uses precomputed reference log-probabilities [train + validation pairs, 2].</summary>
        public void UseTable(Tensor referenceTable) => table = referenceTable;

        /// <summary>Sequence log-probabilities [pairs, 2] (chosen, rejected) of the policy, or of the reference when <paramref name="reference"/>, in batches and without gradients.</summary>
        public Tensor LogProbs(IReadOnlyList<TokenizedPair> pairs, bool reference)
        {
            using var noGrad = no_grad();
            var parts = new List<Tensor>();
            for (int start = 0; start < pairs.Count; start += batchSize)
            {
                var batch = pairs.Skip(start).Take(batchSize).ToList();
                parts.Add(reference ? ReferenceLogProbs(batch) : PolicyLogProbs(batch));
            }
            using var scope = NewDisposeScope();
            var all = cat(parts).cpu();
            foreach (var p in parts) p.Dispose();
            return all.MoveToOuterDisposeScope();
        }

        /// <summary>[pairs, 2] log-probabilities of <paramref name="pairs"/> under <paramref name="m"/> (length-averaged for IPO).</summary>
        private Tensor SequenceLogProbs(LlamaForCausalLM m, IReadOnlyList<TokenizedPair> pairs)
        {
            using var scope = NewDisposeScope();
            var (sum, count) = TokenLogProbs.OfPairs(m, collator, pairs, device);
            var logps = settings.LossType == DpoLossType.Ipo ? sum / count.clamp_min(1) : sum;
            return stack([logps.narrow(0, 0, pairs.Count), logps.narrow(0, pairs.Count, pairs.Count)], 1).MoveToOuterDisposeScope();
        }

        private Tensor PolicyLogProbs(IReadOnlyList<TokenizedPair> pairs) => SequenceLogProbs(model, pairs);

        private Tensor ReferenceLogProbs(IReadOnlyList<TokenizedPair> pairs)
        {
            using var noGrad = no_grad();
            bool wasTraining = model.training;
            model.eval();
            try
            {
                if (copy is not null) return SequenceLogProbs(copy, pairs);
                if (lora is not null && lora.ModulesToSave.Count == 0) return lora.WithAdaptersDisabled(() => SequenceLogProbs(model, pairs));
                return SequenceLogProbs(model, pairs); // precomputing, before any training: the policy is the reference
            }
            finally
            {
                if (wasTraining) model.train();
            }
        }

        /// <summary>The reference's [pairs, 2] log-probabilities: from the table (rows <paramref name="rows"/>) or computed now.</summary>
        private Tensor Reference(IReadOnlyList<TokenizedPair> pairs, IEnumerable<long> rows) =>
            table is not null ? table.index_select(0, tensor(rows.ToArray())).to(device) : ReferenceLogProbs(pairs);

        public (Tensor Loss, IReadOnlyDictionary<string, double> Stats) Loss(IReadOnlyList<TokenizedPair> pairs, IReadOnlyList<int> indices)
        {
            model.train();
            var policy = PolicyLogProbs(pairs);
            var reference = Reference(pairs, indices.Select(i => (long)i));
            var (losses, chosen, rejected) = DpoLoss.Compute(policy[.., 0], policy[.., 1], reference[.., 0], reference[.., 1], settings.Beta, settings.LabelSmoothing, settings.LossType);
            var stats = new Dictionary<string, double>
            {
                ["rewards_chosen"] = chosen.mean().item<float>(),
                ["rewards_rejected"] = rejected.mean().item<float>(),
                ["reward_accuracy"] = chosen.gt(rejected).to(ScalarType.Float32).mean().item<float>(),
                ["reward_margin"] = (chosen - rejected).mean().item<float>(),
            };
            return (losses.mean(), stats);
        }

        public JsonObject Evaluate(IReadOnlyList<TokenizedPair> pairs)
        {
            model.eval();
            // Validation pairs follow the training pairs in the precomputed table.
            if (trainCount < 0 && table is not null) trainCount = (int)table.shape[0] - pairs.Count;
            return PairEvaluation.Run(pairs, batchSize, (batch, start) =>
            {
                var policy = PolicyLogProbs(batch);
                var reference = Reference(batch, Enumerable.Range(trainCount + start, batch.Count).Select(i => (long)i));
                var (losses, chosen, rejected) = DpoLoss.Compute(policy[.., 0], policy[.., 1], reference[.., 0], reference[.., 1], settings.Beta, settings.LabelSmoothing, settings.LossType);
                return (losses.sum().item<float>(), chosen, rejected);
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
