using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// The reward model's loss on comparisons (Bradley–Terry, as in InstructGPT and TRL's RewardTrainer):
/// −log σ(r_chosen − r_rejected), averaged over the pairs.
/// </summary>
public static class PairwiseRewardLoss
{
    /// <summary>The mean loss over pairs of scores [batch] for the chosen and the rejected replies.</summary>
    public static Tensor Compute(Tensor chosenScores, Tensor rejectedScores)
    {
        using var scope = NewDisposeScope();
        return (-nn.functional.logsigmoid(chosenScores.to(ScalarType.Float32) - rejectedScores.to(ScalarType.Float32))).mean().MoveToOuterDisposeScope();
    }
}
