using System.Diagnostics;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// Reward modelling (<c>stage: reward</c>): the base model's trunk with a one-output <c>score</c> head
/// (<see cref="LlamaForSequenceClassification"/>) learns from prompt/chosen/rejected pairs to score the chosen reply
/// above the rejected one, minimising −log σ(r_chosen − r_rejected). Trained in full (saved as an HF model folder
/// that transformers' AutoModelForSequenceClassification loads) or with LoRA (a peft SEQ_CLS adapter whose
/// modules_to_save include <c>score</c>). summary.json reports the pairwise accuracy on held-out pairs before and after.
/// </summary>
public sealed class RewardRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>Runs the training (continuing from the newest checkpoint with <paramref name="resume"/>); returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var (device, _, data) = PreferenceStageStart.Prepare(config, log);

        using var model = LoadModel(device, data.PadId);
        LoraModel? lora = null;
        if (config.Adapter.Kind == AdapterKind.Lora)
        {
            var settings = config.Adapter.Lora! with
            {
                TaskType = "SEQ_CLS",
                BaseModelNameOrPath = config.BaseModel,
                ModulesToSave = [.. config.Adapter.Lora.ModulesToSave.Where(m => m != "score"), "score"],
            };
            lora = config.Adapter.LoraModelDir is { } dir ? LoraModel.Load(model, dir, trainable: true) : LoraModel.Inject(model, settings, config.Seed);
        }
        var trainable = TrainableParameter.Of(model);
        log($"{config.Describe()} on {device}: {TrainableParameterCount.Of(model)}");

        var objective = new Objective(model, lora, new BatchCollator(model.Config.PadTokenId!.Value), config.MicroBatchSize, device);
        var clock = Stopwatch.StartNew();
        var (state, before, after) = new PairwiseTrainer(config, log, progress).Run(objective, trainable, data.TrainPairs, data.ValidationPairs, resume);
        double seconds = clock.Elapsed.TotalSeconds;
        objective.Save(config.OutputDir);
        var results = new JsonObject
        {
            ["pairwise_accuracy_before"] = before["eval_accuracy"]?.DeepClone(),
            ["pairwise_accuracy_after"] = after["eval_accuracy"]?.DeepClone(),
            ["eval_loss_before"] = before["eval_loss"]?.DeepClone(),
            ["eval_loss_after"] = after["eval_loss"]?.DeepClone(),
            ["reward_margin_before"] = before["eval_margin"]?.DeepClone(),
            ["reward_margin_after"] = after["eval_margin"]?.DeepClone(),
            ["architecture"] = model.ArchitectureName,
        };
        log($"pairwise accuracy on {data.ValidationPairs.Count} held-out pairs: {results["pairwise_accuracy_before"]} before, {results["pairwise_accuracy_after"]} after");
        return StageSummary.Write(config, model, device, state, data.TrainPairs.Count, data.ValidationPairs.Count, results,
            state.TokensSeen / Math.Max(1e-9, seconds), log);
    }

    private LlamaForSequenceClassification LoadModel(Device device, long padId)
    {
        var dtype = WeightDtype.For(config, device.type);
        const string prefix = "preset:";
        if (!config.BaseModel.StartsWith(prefix, StringComparison.Ordinal))
            return HfModelFolder.LoadSequenceClassifier(config.BaseModel, device, dtype, 1, config.Seed, padId);
        var json = ModelPresets.Config(config.BaseModel[prefix.Length..], null);
        ModelPresets.WithOverrides(json, config.ModelConfigOverrides, $"{config.ConfigFile}: overrides_of_model_config");
        var modelConfig = ModelConfig.FromJson(json, "base_model");
        var model = new LlamaForSequenceClassification(modelConfig with { PadTokenId = modelConfig.PadTokenId ?? padId }, 1, device, dtype);
        using (no_grad())
        {
            var generator = new Generator((ulong)config.Seed);
            foreach (var (name, p) in model.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.fill_(1.0);
                else p.copy_(normal(0.0, modelConfig.InitializerRange, p.shape, ScalarType.Float32, generator: generator));
            }
        }
        return model;
    }

    /// <summary>Scores chosen and rejected replies in one forward pass and compares them.</summary>
    private sealed class Objective(LlamaForSequenceClassification model, LoraModel? lora, BatchCollator collator, int batchSize, Device device) : IPairObjective
    {
        /// <summary>Scores [pairs] of the chosen and the rejected sequences.</summary>
        private (Tensor Chosen, Tensor Rejected) Scores(IReadOnlyList<TokenizedPair> pairs)
        {
            using var scope = NewDisposeScope();
            var (chosen, rejected) = collator.CollatePairs(pairs);
            var c = BatchTensors.From(chosen, device);
            var r = BatchTensors.From(rejected, device);
            var scores = model.Forward(cat([c.Ids, r.Ids]), cat([c.Mask, r.Mask]), cat([c.Positions, r.Positions])).squeeze(-1).to(ScalarType.Float32);
            return (scores.narrow(0, 0, pairs.Count).MoveToOuterDisposeScope(), scores.narrow(0, pairs.Count, pairs.Count).MoveToOuterDisposeScope());
        }

        public (Tensor Loss, IReadOnlyDictionary<string, double> Stats) Loss(IReadOnlyList<TokenizedPair> pairs, IReadOnlyList<int> indices)
        {
            model.train();
            var (chosen, rejected) = Scores(pairs);
            var loss = PairwiseRewardLoss.Compute(chosen, rejected);
            using var noGrad = no_grad();
            var stats = new Dictionary<string, double>
            {
                ["accuracy"] = chosen.gt(rejected).to(ScalarType.Float32).mean().item<float>(),
                ["margin"] = (chosen - rejected).mean().item<float>(),
            };
            return (loss, stats);
        }

        public JsonObject Evaluate(IReadOnlyList<TokenizedPair> pairs)
        {
            model.eval();
            return PairEvaluation.Run(pairs, batchSize, (batch, _) =>
            {
                var (chosen, rejected) = Scores(batch);
                return (PairwiseRewardLoss.Compute(chosen, rejected).item<float>() * batch.Count, chosen, rejected);
            }, "eval_accuracy", "eval_margin");
        }

        public void Save(string folder)
        {
            if (lora is not null) lora.Save(folder);
            else HfModelFolder.Save(model, folder);
        }

        public void LoadTrainable(string folder) => CausalLmModels.LoadTrainable(model, lora, folder);
    }
}
