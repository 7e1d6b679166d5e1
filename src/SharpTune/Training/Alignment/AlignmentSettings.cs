using SharpTune.Config;

namespace SharpTune.Training.Alignment;

/// <summary>
/// The keys of the alignment stages (reward, dpo, ppo), under axolotl's names where it has them (<c>rl</c>,
/// <c>rl_beta</c>, <c>dpo_label_smoothing</c>, <c>precompute_ref_log_probs</c>) and TRL's PPO names otherwise.
/// </summary>
public sealed record AlignmentSettings
{
    /// <summary>The keys this reader owns.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "rl", "rl_beta", "dpo_beta", "rl_loss_type", "dpo_label_smoothing", "precompute_ref_log_probs", "orpo_alpha",
        "reward_model", "ppo_epochs", "rollout_batch_size", "kl_coef", "kl_target", "kl_horizon", "cliprange", "cliprange_value",
        "vf_coef", "gamma", "lam", "max_new_tokens", "temperature", "eval_prompts",
    ];

    /// <summary><c>rl_beta</c> (also <c>dpo_beta</c>): DPO's β, how strongly the policy is tied to the reference.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary><c>rl_loss_type</c>: sigmoid (DPO) or ipo; <c>rl: ipo</c> says the same.</summary>
    public DpoLossType LossType { get; init; } = DpoLossType.Sigmoid;

    /// <summary><c>dpo_label_smoothing</c>: the assumed share of flipped labels, in [0, 0.5).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary><c>precompute_ref_log_probs</c>: compute the reference's log-probabilities of every pair once before training.</summary>
    public bool PrecomputeReferenceLogProbs { get; init; }

    /// <summary><c>orpo_alpha</c> (axolotl's name; TRL's ORPO <c>beta</c>): λ, the weight of ORPO's odds-ratio term beside the chosen answers' NLL.</summary>
    public double OrpoAlpha { get; init; } = 0.1;

    /// <summary><c>reward_model</c>: the reward model's folder (a sequence classifier) for PPO.</summary>
    public string? RewardModel { get; init; }

    /// <summary>When <c>reward_model</c> is <c>run:OTHER.yaml</c>: that config, trained first when its output is missing or stale.</summary>
    public string? RewardRun { get; init; }

    /// <summary><c>ppo_epochs</c>: optimisation passes over each batch of rollouts.</summary>
    public int PpoEpochs { get; init; } = 4;

    /// <summary><c>rollout_batch_size</c>: prompts answered per PPO step (optimised in mini-batches of micro_batch_size).</summary>
    public int RolloutBatchSize { get; init; } = 16;

    /// <summary><c>kl_coef</c>: the starting coefficient of the per-token KL penalty to the reference.</summary>
    public double KlCoef { get; init; } = 0.05;

    /// <summary><c>kl_target</c>: when set, the coefficient adapts towards this KL per response (else it is fixed).</summary>
    public double? KlTarget { get; init; }

    /// <summary><c>kl_horizon</c>: the rollouts over which the adaptive coefficient moves.</summary>
    public double KlHorizon { get; init; } = 10_000;

    /// <summary><c>cliprange</c>: ε of the clipped policy ratio.</summary>
    public double ClipRange { get; init; } = 0.2;

    /// <summary><c>cliprange_value</c>: how far a value may move from its rollout estimate before it is clipped.</summary>
    public double ClipRangeValue { get; init; } = 0.2;

    /// <summary><c>vf_coef</c>: the value loss's weight.</summary>
    public double ValueCoef { get; init; } = 0.1;

    /// <summary><c>gamma</c>: the discount.</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary><c>lam</c>: GAE's λ.</summary>
    public double Lambda { get; init; } = 0.95;

    /// <summary><c>max_new_tokens</c>: the longest response a rollout samples.</summary>
    public int MaxNewTokens { get; init; } = 48;

    /// <summary><c>temperature</c>: the sampling temperature of rollouts and of the before/after evaluation.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary><c>eval_prompts</c>: held-out prompts whose samples measure the mean reward before and after PPO.</summary>
    public int EvalPrompts { get; init; } = 64;

    /// <summary>Reads the keys from <paramref name="root"/> (marking them read); <paramref name="folder"/> resolves relative paths.</summary>
    /// <exception cref="SharpTuneException">A value is out of range; the message names file, line and key.</exception>
    public static AlignmentSettings Read(YamlSection root, string folder)
    {
        if (root.Has("rl_beta") && root.Has("dpo_beta")) throw root.Error("dpo_beta", "give rl_beta or dpo_beta (its older name), not both");
        double beta = root.Has("dpo_beta") ? root.Double("dpo_beta", 0.1) : root.Double("rl_beta", 0.1);
        string lossName = root.String("rl_loss_type") ?? (root.String("rl") == "ipo" ? "ipo" : "sigmoid");
        var lossType = lossName switch
        {
            "sigmoid" => DpoLossType.Sigmoid,
            "ipo" => DpoLossType.Ipo,
            _ => throw root.Error("rl_loss_type", $"expected sigmoid or ipo, got '{lossName}'"),
        };
        string? reward = root.String("reward_model");
        string? rewardRun = null;
        if (reward is not null)
        {
            const string prefix = "run:";
            if (reward.StartsWith(prefix, StringComparison.Ordinal))
            {
                rewardRun = Path.GetFullPath(Path.Combine(folder, reward[prefix.Length..].Trim()));
                if (!File.Exists(rewardRun)) throw root.Error("reward_model", $"the run config {rewardRun} does not exist");
                var other = YamlConfigFile.Load(rewardRun, []);
                string dir = other.Root.String("output_dir") ?? throw root.Error("reward_model", $"{rewardRun} has no output_dir to take the reward model from");
                reward = Path.GetFullPath(Path.Combine(other.Folder, dir));
            }
            else reward = Path.GetFullPath(Path.Combine(folder, reward));
        }

        int Count(string key, long fallback, long max)
        {
            long v = root.Long(key, fallback);
            return v >= 1 && v <= max ? (int)v : throw root.Error(key, $"must be between 1 and {max}, got {v}");
        }
        double Positive(string key, double fallback)
        {
            double v = root.Double(key, fallback);
            return v > 0 && double.IsFinite(v) ? v : throw root.Error(key, $"must be a number above 0, got {v}");
        }
        double Fraction(string key, double fallback, double max)
        {
            double v = root.Double(key, fallback);
            return v >= 0 && v <= max ? v : throw root.Error(key, $"must be in [0, {max}], got {v}");
        }

        var settings = new AlignmentSettings
        {
            Beta = beta > 0 && double.IsFinite(beta) ? beta : throw root.Error(root.Has("dpo_beta") ? "dpo_beta" : "rl_beta", $"must be above 0, got {beta}"),
            LossType = lossType,
            LabelSmoothing = Fraction("dpo_label_smoothing", 0, 0.4999),
            PrecomputeReferenceLogProbs = root.Bool("precompute_ref_log_probs", false),
            OrpoAlpha = Positive("orpo_alpha", 0.1),
            RewardModel = reward,
            RewardRun = rewardRun,
            PpoEpochs = Count("ppo_epochs", 4, 1000),
            RolloutBatchSize = Count("rollout_batch_size", 16, 1 << 16),
            KlCoef = Fraction("kl_coef", 0.05, 1000),
            KlTarget = root.Has("kl_target") ? Positive("kl_target", 6) : null,
            KlHorizon = Positive("kl_horizon", 10_000),
            ClipRange = Positive("cliprange", 0.2),
            ClipRangeValue = Positive("cliprange_value", 0.2),
            ValueCoef = Fraction("vf_coef", 0.1, 1000),
            Gamma = Fraction("gamma", 1.0, 1.0),
            Lambda = Fraction("lam", 0.95, 1.0),
            MaxNewTokens = Count("max_new_tokens", 48, 1 << 16),
            Temperature = Positive("temperature", 1.0),
            EvalPrompts = Count("eval_prompts", 64, 1 << 20),
        };
        if (lossType == DpoLossType.Ipo && settings.LabelSmoothing > 0)
            throw root.Error("dpo_label_smoothing", "label smoothing applies to the sigmoid loss, not ipo");
        return settings;
    }
}
