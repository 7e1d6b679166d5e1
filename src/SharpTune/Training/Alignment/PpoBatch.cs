using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>
/// One batch of PPO rollouts as tensors: prompt + response rows (right-padded), and per predicted position
/// [rows, length − 1] the response mask, the sampling policy's log-probabilities and values, advantages and returns.
/// </summary>
internal sealed class PpoBatch : IDisposable
{
    /// <summary>Token ids [rows, length].</summary>
    public required Tensor Ids { get; init; }
    /// <summary>1 for a token, 0 for padding [rows, length].</summary>
    public required Tensor Attention { get; init; }
    /// <summary>Position ids [rows, length].</summary>
    public required Tensor Positions { get; init; }
    /// <summary>The token each position predicts: Ids shifted left [rows, length − 1].</summary>
    public required Tensor Targets { get; init; }
    /// <summary>1 where the predicted token is part of the response [rows, length − 1].</summary>
    public required Tensor Mask { get; init; }
    /// <summary>The log-probabilities at sampling time.</summary>
    public required Tensor OldLogProbs { get; init; }
    /// <summary>The value head's estimates at sampling time.</summary>
    public required Tensor OldValues { get; init; }
    /// <summary>Whitened GAE advantages.</summary>
    public required Tensor Advantages { get; init; }
    /// <summary>Returns (advantages before whitening + values).</summary>
    public required Tensor Returns { get; init; }
    /// <summary>The reward model's mean score of the responses.</summary>
    public required double MeanScore { get; init; }
    /// <summary>The mean per-response KL to the reference (k1 summed over the response).</summary>
    public required double Kl { get; init; }
    /// <summary>The mean response length in tokens.</summary>
    public required double MeanLength { get; init; }
    /// <summary>Tokens in the batch (prompts and responses).</summary>
    public required long Tokens { get; init; }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in new[] { Ids, Attention, Positions, Targets, Mask, OldLogProbs, OldValues, Advantages, Returns }) t.Dispose();
    }
}
