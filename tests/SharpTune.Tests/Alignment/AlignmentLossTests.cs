using SharpTune.Training.Alignment;
using static TorchSharp.torch;

namespace SharpTune.Tests.Alignment;

/// <summary>Each alignment loss on a toy batch against values worked out by hand.</summary>
public sealed class AlignmentLossTests
{
    private static Tensor T(params float[] values) => tensor(values);

    private static float[] Values(Tensor t) => t.to(ScalarType.Float32).data<float>().ToArray();

    [Fact]
    public void Pairwise_reward_loss_is_the_mean_of_minus_log_sigmoid_of_the_score_gap()
    {
        // gaps 1 and −2: −log σ(1) = 0.3132617, −log σ(−2) = 2.1269280.
        using var loss = PairwiseRewardLoss.Compute(T(1, 0), T(0, 2));
        Assert.Equal((0.3132617 + 2.1269280) / 2, loss.item<float>(), 5);
    }

    [Fact]
    public void Dpo_sigmoid_loss_and_implicit_rewards()
    {
        // h = (π_w − π_l) − (ref_w − ref_l) = [2, −1]; β = 0.5 → β·h = [1, −0.5].
        var (losses, chosen, rejected) = DpoLoss.Compute(T(-1, -2), T(-3, -1), T(-2, -2), T(-2, -2), beta: 0.5);
        Assert.Equal([0.3132617f, 0.9740770f], Values(losses), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal([0.5f, 0f], Values(chosen));      // β·(π_w − ref_w)
        Assert.Equal([-0.5f, 0.5f], Values(rejected)); // β·(π_l − ref_l)
    }

    [Fact]
    public void Dpo_label_smoothing_mixes_in_the_flipped_label()
    {
        // ε = 0.1: 0.9·(−log σ(βh)) + 0.1·(−log σ(−βh)); −log σ(−1) = 1.3132617, −log σ(0.5) = 0.4740770.
        var (losses, _, _) = DpoLoss.Compute(T(-1, -2), T(-3, -1), T(-2, -2), T(-2, -2), beta: 0.5, labelSmoothing: 0.1);
        Assert.Equal([0.9f * 0.3132617f + 0.1f * 1.3132617f, 0.9f * 0.9740770f + 0.1f * 0.4740770f], Values(losses), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Ipo_loss_is_the_squared_distance_of_h_from_one_over_two_beta()
    {
        // 1/(2β) = 1: (2 − 1)² = 1, (−1 − 1)² = 4.
        var (losses, _, _) = DpoLoss.Compute(T(-1, -2), T(-3, -1), T(-2, -2), T(-2, -2), beta: 0.5, type: DpoLossType.Ipo);
        Assert.Equal([1f, 4f], Values(losses), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Ppo_policy_loss_takes_the_pessimistic_clipped_term_and_ignores_masked_tokens()
    {
        // ratios 1.5, 0.5 (and a masked 3.0), advantages 1: −A·ρ = [−1.5, −0.5], −A·clip(ρ, 0.8, 1.2) = [−1.2, −0.8];
        // max = [−1.2, −0.5] → mean −0.85; the clipped term won on the first token only.
        var logProbs = T(MathF.Log(1.5f), MathF.Log(0.5f), MathF.Log(3f)).unsqueeze(0);
        var (loss, clipFraction) = PpoLoss.Policy(logProbs, zeros(1, 3), ones(1, 3), T(1, 1, 0).unsqueeze(0), 0.2);
        Assert.Equal(-0.85, loss.item<float>(), 5);
        Assert.Equal(0.5, clipFraction, 6);
    }

    [Fact]
    public void Ppo_value_loss_takes_the_larger_of_the_clipped_and_unclipped_errors()
    {
        // V = [1, 0], V_old = [0.5, 0], R = [2, 1], c = 0.2: V_clip = [0.7, 0]; errors² [1, 1] and [1.69, 1] → ½·mean(1.69, 1).
        using var loss = PpoLoss.Value(T(1, 0).unsqueeze(0), T(0.5f, 0).unsqueeze(0), T(2, 1).unsqueeze(0), ones(1, 2), 0.2);
        Assert.Equal(0.5 * (1.69 + 1) / 2, loss.item<float>(), 5);
    }

    [Fact]
    public void Gae_discounts_td_errors_backwards_and_stops_at_the_mask()
    {
        // γ = 0.9, λ = 0.8. Row 0: δ = [0.04, 0.03, 0.3] → A = [0.04 + 0.72·0.246, 0.03 + 0.72·0.3, 0.3] = [0.21712, 0.246, 0.3].
        // Row 1 ends after two steps (the third is masked): δ1 = 1 − 0.6 = 0.4, A0 = 0.04 + 0.72·0.4 = 0.328.
        var rewards = tensor(new float[] { 0, 0, 1, 0, 1, 5 }, [2, 3]);
        var values = tensor(new float[] { 0.5f, 0.6f, 0.7f, 0.5f, 0.6f, 0.7f }, [2, 3]);
        var mask = tensor(new float[] { 1, 1, 1, 1, 1, 0 }, [2, 3]);
        var (advantages, returns) = Gae.Compute(rewards, values, mask, gamma: 0.9, lambda: 0.8);
        Assert.Equal([0.21712f, 0.246f, 0.3f, 0.328f, 0.4f, 0f], Values(advantages.flatten()), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal([0.71712f, 0.846f, 1.0f, 0.828f, 1.0f, 0f], Values(returns.flatten()), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Kl_estimates_per_token_and_per_sequence()
    {
        // π = 0.5, π_ref = 0.25: k1 = ln 2; k3 = (0.5 − 1) − ln 0.5 = ln 2 − 0.5.
        var logProbs = T(MathF.Log(0.5f));
        var reference = T(MathF.Log(0.25f));
        Assert.Equal(Math.Log(2), KlEstimate.K1(logProbs, reference).item<float>(), 5);
        Assert.Equal(Math.Log(2) - 0.5, KlEstimate.K3(logProbs, reference).item<float>(), 5);
        // Sequences: [0.1 + 0.2] and [0.4] (its second token masked) → mean 0.35.
        Assert.Equal(0.35, KlEstimate.PerSequence(tensor(new float[] { 0.1f, 0.2f, 0.4f, 9f }, [2, 2]), tensor(new float[] { 1, 1, 1, 0 }, [2, 2])), 5);
    }

    [Fact]
    public void Adaptive_kl_coefficient_moves_towards_the_target_and_a_fixed_one_stays()
    {
        var adaptive = new AdaptiveKlController(0.1, target: 1.0, horizon: 100);
        adaptive.Update(kl: 2.0, rollouts: 10); // error clipped to 0.2: 0.1·(1 + 0.2·10/100)
        Assert.Equal(0.102, adaptive.Value, 9);
        adaptive.Update(kl: 0.9, rollouts: 10); // error −0.1: ·(1 − 0.01)
        Assert.Equal(0.102 * 0.99, adaptive.Value, 9);
        var fixedCoef = new AdaptiveKlController(0.1, target: null, horizon: 100);
        fixedCoef.Update(5.0, 10);
        Assert.Equal(0.1, fixedCoef.Value);
    }

    [Fact]
    public void Sequence_log_probability_sums_the_trained_labels_shifted_by_one()
    {
        // Position 0 gives [0.25, 0.75], position 1 [0.5, 0.5]; labels [−100, 1, 0] → ln 0.75 + ln 0.5.
        var logits = tensor(new float[] { 0, MathF.Log(3), 0, 0, 7, 7 }, [1, 3, 2]);
        var (sum, count) = TokenLogProbs.OfLabels(logits, tensor(new long[] { -100, 1, 0 }, [1, 3]));
        Assert.Equal(Math.Log(0.375), sum.item<float>(), 5);
        Assert.Equal(2f, count.item<float>());
    }

    [Fact]
    public void Orpo_loss_is_the_log_sigmoid_of_the_log_odds_ratio_by_hand()
    {
        // p(chosen) = 0.5 (odds 1), p(rejected) = 0.2 (odds 0.25): log odds ratio = ln 4; loss = λ·ln(1 + 1/4).
        var (losses, logOdds, chosen, rejected) = OrpoLoss.Compute(tensor(new[] { MathF.Log(0.5f) }), tensor(new[] { MathF.Log(0.2f) }), 0.1);
        Assert.Equal(Math.Log(4), logOdds.item<float>(), 5);
        Assert.Equal(0.1 * Math.Log(1.25), losses.item<float>(), 6);
        Assert.Equal(0.1 * Math.Log(0.5), chosen.item<float>(), 6);
        Assert.Equal(0.1 * Math.Log(0.2), rejected.item<float>(), 6);
        // Equal answers: ratio 0, loss λ·ln 2.
        var (even, _, _, _) = OrpoLoss.Compute(tensor(new[] { -1.0f }), tensor(new[] { -1.0f }), 0.5);
        Assert.Equal(0.5 * Math.Log(2), even.item<float>(), 6);
    }
}
