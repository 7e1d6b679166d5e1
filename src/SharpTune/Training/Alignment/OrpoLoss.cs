using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// ORPO's preference term (Hong et al., 2024, "ORPO: Monolithic Preference Optimization without Reference Model"),
/// as TRL computes it: from the length-averaged log-probabilities of the chosen and rejected answers, the log odds
/// ratio log(odds(chosen) / odds(rejected)) with odds(y) = p / (1 − p), and the loss −λ·log σ(that ratio). No reference
/// model. The stage's full loss adds the NLL of the chosen answers.
/// </summary>
public static class OrpoLoss
{
    /// <summary>Per pair: λ·(−log σ(log odds ratio)), the log odds ratio, and the "rewards" λ·average log-probability of each answer.</summary>
    /// <param name="chosenLogps">Average log-probability per token of each chosen answer (below 0).</param>
    /// <param name="rejectedLogps">The same for each rejected answer.</param>
    /// <param name="alpha">λ (<c>orpo_alpha</c>).</param>
    public static (Tensor Losses, Tensor LogOdds, Tensor ChosenRewards, Tensor RejectedRewards) Compute(Tensor chosenLogps, Tensor rejectedLogps, double alpha)
    {
        using var scope = NewDisposeScope();
        // log(p / (1 − p)) = log p − log(1 − exp(log p)); log1p(−exp(x)) stays finite for x < 0.
        var logOdds = (chosenLogps - rejectedLogps) - (log1p(-chosenLogps.exp()) - log1p(-rejectedLogps.exp()));
        var losses = -nn.functional.logsigmoid(logOdds) * alpha;
        var chosen = (chosenLogps * alpha).detach();
        var rejected = (rejectedLogps * alpha).detach();
        return (losses.MoveToOuterDisposeScope(), logOdds.detach().MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope(), rejected.MoveToOuterDisposeScope());
    }
}
