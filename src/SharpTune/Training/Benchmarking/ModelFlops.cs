using SharpTune.Models;

namespace SharpTune.Training.Benchmarking;

/// <summary>
/// Model FLOPs per trained token as PaLM's MFU counts them (Chowdhery et al., 2022, appendix B): each weight used in a
/// matmul costs 2 FLOPs in the forward pass, 2 for the input gradient and 2 for the weight gradient; attention adds
/// 12·L·T·(heads·head_dim) per token (scores and weighted sum, forward and backward, the causal mask not halving it).
/// A frozen weight (the base model under LoRA/QLoRA) costs the forward and input-gradient share only, 4 per weight.
/// The input embedding lookup is not a matmul and is not counted; a tied output head is.
/// </summary>
/// <param name="FrozenMatmulWeights">Matmul weights that do not train.</param>
/// <param name="TrainedMatmulWeights">Matmul weights that train (all of them in full fine-tuning; LoRA's A and B otherwise).</param>
/// <param name="AttentionPerToken">12·L·T·(heads·head_dim).</param>
public sealed record ModelFlops(long FrozenMatmulWeights, long TrainedMatmulWeights, double AttentionPerToken)
{
    /// <summary>FLOPs per token of one training step.</summary>
    public double PerToken => 6.0 * TrainedMatmulWeights + 4.0 * FrozenMatmulWeights + AttentionPerToken;

    /// <summary>The matmul weights of <paramref name="config"/>'s architecture: every projection of every layer, and the output head.</summary>
    public static long BaseMatmulWeights(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize, q = config.NumAttentionHeads * config.HeadDim, kv = config.NumKeyValueHeads * config.HeadDim;
        long attention = h * q + 2 * h * kv + q * h;
        long mlp = 3 * h * config.IntermediateSize;
        return config.NumHiddenLayers * (attention + mlp) + h * config.VocabSize;
    }

    /// <summary>
    /// The FLOPs of training <paramref name="config"/> at sequence length <paramref name="sequenceLength"/> with
    /// <paramref name="adapterWeights"/> trained matmul weights beside a frozen base (0 and <paramref name="fullFineTuning"/>
    /// for full fine-tuning, where the base weights themselves train).
    /// </summary>
    public static ModelFlops For(ModelConfig config, long sequenceLength, bool fullFineTuning, long adapterWeights)
    {
        long baseWeights = BaseMatmulWeights(config);
        double attention = 12.0 * config.NumHiddenLayers * sequenceLength * config.NumAttentionHeads * config.HeadDim;
        return fullFineTuning
            ? new ModelFlops(0, baseWeights + adapterWeights, attention)
            : new ModelFlops(baseWeights, adapterWeights, attention);
    }
}
