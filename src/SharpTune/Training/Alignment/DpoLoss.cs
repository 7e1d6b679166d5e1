using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// Direct preference optimisation's losses on sequence log-probabilities of the policy and the frozen reference.
/// With h = (log π(y_w) − log π(y_l)) − (log π_ref(y_w) − log π_ref(y_l)) the implicit rewards are
/// β·(log π(y) − log π_ref(y)); the reward accuracy is how often the chosen reward beats the rejected one and the
/// margin is their mean difference (TRL's rewards/accuracies and rewards/margins).
/// </summary>
public static class DpoLoss
{
    /// <summary>Per-pair losses [batch] and the implicit rewards of the chosen and rejected replies [batch] (detached).</summary>
    /// <param name="policyChosen">log π(y_w) [batch].</param>
    /// <param name="policyRejected">log π(y_l) [batch].</param>
    /// <param name="referenceChosen">log π_ref(y_w) [batch].</param>
    /// <param name="referenceRejected">log π_ref(y_l) [batch].</param>
    /// <param name="beta">β: how far the policy may move from the reference (higher keeps it closer).</param>
    /// <param name="labelSmoothing">ε in [0, 0.5): the assumed share of flipped preference labels (sigmoid loss only).</param>
    /// <param name="type">Sigmoid (DPO) or IPO.</param>
    public static (Tensor Losses, Tensor ChosenRewards, Tensor RejectedRewards) Compute(
        Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected,
        double beta, double labelSmoothing = 0, DpoLossType type = DpoLossType.Sigmoid)
    {
        using var scope = NewDisposeScope();
        var h = (policyChosen - policyRejected) - (referenceChosen - referenceRejected);
        var losses = type switch
        {
            DpoLossType.Sigmoid => -nn.functional.logsigmoid(h * beta) * (1 - labelSmoothing) - nn.functional.logsigmoid(h * -beta) * labelSmoothing,
            DpoLossType.Ipo => (h - 1 / (2 * beta)).pow(2),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        var chosen = ((policyChosen - referenceChosen) * beta).detach();
        var rejected = ((policyRejected - referenceRejected) * beta).detach();
        return (losses.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope(), rejected.MoveToOuterDisposeScope());
    }
}
