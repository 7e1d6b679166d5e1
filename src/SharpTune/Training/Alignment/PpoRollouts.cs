using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Inference;
using SharpTune.Models;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// PPO's two halves on a LoRA policy: collecting rollouts (sample with the KV cache, score with the reward model,
/// penalise the KL to the adapter-disabled reference per token, GAE) and optimising on them (clipped policy and
/// value losses over several epochs of mini-batches).
/// </summary>
internal sealed class PpoRollouts(LlamaForCausalLM policy, LoraModel lora, ValueHead valueHead, LlamaForSequenceClassification reward,
    IReadOnlySet<long> stopIds, long[] suffix, long padId, AlignmentSettings settings, Device device)
{
    /// <summary>Samples a reply to each prompt (the i-th with seed <paramref name="seed"/> + i) and prepares the batch with a KL coefficient of <paramref name="klCoef"/>.</summary>
    public PpoBatch Collect(IReadOnlyList<long[]> prompts, long seed, double klCoef)
    {
        var generator = new TextGenerator(policy);
        var responses = prompts.Select((p, i) => generator.Generate(p, new GenerationOptions
        {
            MaxNewTokens = settings.MaxNewTokens, Temperature = settings.Temperature, Seed = seed + i, StopIds = stopIds,
        }).ToArray()).ToList();
        return Prepare(prompts, responses, klCoef);
    }

    /// <summary>The held-out mean reward and KL of the policy's samples on <paramref name="prompts"/> (fixed seeds, so before and after see the same draws).</summary>
    public JsonObject Evaluate(IReadOnlyList<long[]> prompts, long seed)
    {
        using var batch = Collect(prompts, seed, 0);
        return new JsonObject { ["eval_mean_reward"] = batch.MeanScore, ["eval_kl"] = batch.Kl, ["eval_response_length"] = batch.MeanLength };
    }

    private PpoBatch Prepare(IReadOnlyList<long[]> prompts, List<long[]> responses, double klCoef)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        policy.eval();
        int rows = prompts.Count;
        int length = prompts.Select((p, i) => p.Length + responses[i].Length).Max();
        var ids = new long[rows * length];
        var attention = new long[rows * length];
        var positions = new long[rows * length];
        var mask = new float[rows * (length - 1)];
        var last = new long[rows];
        Array.Fill(ids, padId);
        for (int r = 0; r < rows; r++)
        {
            var row = prompts[r].Concat(responses[r]).ToArray();
            for (int t = 0; t < row.Length; t++)
            {
                ids[r * length + t] = row[t];
                attention[r * length + t] = 1;
                positions[r * length + t] = t;
            }
            // Position t predicts token t + 1: the response's tokens are predicted from P − 1 to P + R − 2.
            for (int t = prompts[r].Length - 1; t < row.Length - 1; t++) mask[r * (length - 1) + t] = 1;
            last[r] = row.Length - 2;
        }
        var idsT = tensor(ids, [rows, length]).to(device);
        var attentionT = tensor(attention, [rows, length]).to(device);
        var positionsT = tensor(positions, [rows, length]).to(device);
        var targets = idsT.narrow(1, 1, length - 1);
        var maskT = tensor(mask, [rows, length - 1]).to(device);

        var hidden = policy.Model.Forward(idsT, attentionT, positionsT);
        var logProbs = TokenLogProbs.Of(Scaled(policy.Logits(hidden)).narrow(1, 0, length - 1), targets);
        var values = valueHead.forward(hidden).narrow(1, 0, length - 1);
        var referenceLogProbs = lora.WithAdaptersDisabled(() =>
            TokenLogProbs.Of(Scaled(policy.Forward(idsT, attentionT, positionsT)).narrow(1, 0, length - 1), targets));
        var scores = Scores(prompts, responses);

        var kl = KlEstimate.K1(logProbs, referenceLogProbs) * maskT;
        var rewards = kl * -klCoef;
        rewards = rewards.index_put_(rewards[arange(rows), tensor(last).to(device)] + scores, arange(rows).to(device), tensor(last).to(device));
        var (advantages, returns) = Gae.Compute(rewards, values, maskT, settings.Gamma, settings.Lambda);
        var batch = new PpoBatch
        {
            Ids = idsT.MoveToOuterDisposeScope(),
            Attention = attentionT.MoveToOuterDisposeScope(),
            Positions = positionsT.MoveToOuterDisposeScope(),
            Targets = targets.contiguous().MoveToOuterDisposeScope(),
            Mask = maskT.MoveToOuterDisposeScope(),
            OldLogProbs = logProbs.MoveToOuterDisposeScope(),
            OldValues = (values * maskT).MoveToOuterDisposeScope(),
            Advantages = PpoLoss.Whiten(advantages, maskT).MoveToOuterDisposeScope(),
            Returns = returns.MoveToOuterDisposeScope(),
            MeanScore = scores.mean().item<float>(),
            Kl = KlEstimate.PerSequence(kl, maskT),
            MeanLength = responses.Average(r => r.Length),
            Tokens = attention.LongCount(a => a != 0),
        };
        return batch;
    }

    /// <summary>The reward model's scores [rows] of prompt + response (+ the template's text after a finished reply, as it saw in training).</summary>
    private Tensor Scores(IReadOnlyList<long[]> prompts, List<long[]> responses)
    {
        using var scope = NewDisposeScope();
        long pad = reward.Config.PadTokenId ?? padId;
        var rows = prompts.Select((p, i) => responses[i].Length > 0 && stopIds.Contains(responses[i][^1]) ? [.. p, .. responses[i], .. suffix] : p.Concat(responses[i]).ToArray()).ToList();
        int length = rows.Max(r => r.Length);
        var ids = new long[rows.Count * length];
        var attention = new long[rows.Count * length];
        Array.Fill(ids, pad);
        for (int r = 0; r < rows.Count; r++)
            for (int t = 0; t < rows[r].Length; t++)
            {
                ids[r * length + t] = rows[r][t];
                attention[r * length + t] = 1;
            }
        var scores = reward.Forward(tensor(ids, [rows.Count, length]).to(device), tensor(attention, [rows.Count, length]).to(device)).squeeze(-1).to(ScalarType.Float32);
        return scores.MoveToOuterDisposeScope();
    }

    private Tensor Scaled(Tensor logits) => settings.Temperature == 1.0 ? logits : logits / settings.Temperature;

    /// <summary><c>ppo_epochs</c> passes over <paramref name="batch"/> in shuffled mini-batches of <paramref name="miniBatch"/> rows, one optimizer step each.</summary>
    public PpoUpdate Optimize(PpoBatch batch, IOptimizer optimizer, int miniBatch, double maxGradNorm, double lr, long seed)
    {
        policy.train();
        valueHead.train();
        int rows = (int)batch.Ids.shape[0];
        long predicted = batch.Targets.shape[1];
        var random = new Random((int)(seed & int.MaxValue));
        double loss = 0, policyLoss = 0, valueLoss = 0, entropy = 0, clip = 0, norm = 0;
        int updates = 0;
        for (int epoch = 0; epoch < settings.PpoEpochs; epoch++)
        {
            var order = Enumerable.Range(0, rows).ToArray();
            random.Shuffle(order);
            for (int start = 0; start < rows; start += miniBatch)
            {
                using var scope = NewDisposeScope();
                var index = tensor(order.Skip(start).Take(miniBatch).Select(i => (long)i).ToArray()).to(device);
                var hidden = policy.Model.Forward(batch.Ids.index_select(0, index), batch.Attention.index_select(0, index), batch.Positions.index_select(0, index));
                var logits = Scaled(policy.Logits(hidden)).narrow(1, 0, predicted);
                var logProbs = TokenLogProbs.Of(logits, batch.Targets.index_select(0, index));
                var values = valueHead.forward(hidden).narrow(1, 0, predicted);
                var mask = batch.Mask.index_select(0, index);
                var (pg, clipFraction) = PpoLoss.Policy(logProbs, batch.OldLogProbs.index_select(0, index), batch.Advantages.index_select(0, index), mask, settings.ClipRange);
                var vf = PpoLoss.Value(values, batch.OldValues.index_select(0, index), batch.Returns.index_select(0, index), mask, settings.ClipRangeValue);
                var total = pg + vf * settings.ValueCoef;
                total.backward();
                norm += TrainingStep.Apply(optimizer, maxGradNorm, lr);
                using (no_grad()) entropy += PpoLoss.MaskedMean(TokenLogProbs.Entropy(logits.detach()), mask).item<float>();
                loss += total.item<float>();
                policyLoss += pg.item<float>();
                valueLoss += vf.item<float>();
                clip += clipFraction;
                updates++;
            }
        }
        return new PpoUpdate(loss / updates, policyLoss / updates, valueLoss / updates, entropy / updates, clip / updates, norm / updates);
    }
}
