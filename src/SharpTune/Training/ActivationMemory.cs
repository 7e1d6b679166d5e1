using SharpTune.Models;

namespace SharpTune.Training;

/// <summary>
/// The bytes of activations a training step keeps for the backward pass, from what our LlamaDecoderLayer,
/// LlamaAttention, LlamaMlp, RmsNorm, LoraLinear and CausalLmLoss leave saved by autograd, for N = micro_batch_size ×
/// sequence_len tokens (every row padded to sequence_len: an upper bound), activations of a bytes (the compute dtype),
/// hidden H, intermediate I, query heads h of width d, key/value heads, vocabulary V:
/// <list type="bullet">
/// <item>per layer: its input N·H·a; each of the two RmsNorms keeps its float32 input (N·H·4, only when a ≠ 4; in
/// float32 it is the input itself), its normalised value and its output (2·N·H·a) and the inverse RMS (N·4); attention
/// keeps the rotated queries and the keys and values as scaled_dot_product_attention reads them (repeated to h heads
/// when grouped: 3·N·h·d·a), its output and log-sum-exp (N·h·d·a + N·h·4; a fused kernel — flash or memory-efficient —
/// is assumed, so no N·T attention matrix; the math fallback would add B·h·T²·a), the merged heads o_proj reads
/// (N·h·d·a) and the residual sum (N·H·a); the SwiGLU MLP keeps gate, silu(gate), up and their product (4·N·I·a);</item>
/// <item>per LoRA-adapted linear of input width f and rank r: the dropout mask and dropped input (N·f·(1 + 4)) when
/// lora_dropout &gt; 0, else a float32 copy of the input when a ≠ 4 (N·f·4), and A's output (N·r·4);</item>
/// <item>after the layers: the final norm as above (N·H·a input + 2·N·H·a + N·4, + N·H·4 when a ≠ 4); then, with the
/// head and loss fused (<see cref="FusedLinearCrossEntropy"/>, the trainer's path whenever the head is a plain matrix),
/// the stored gradient of the hidden states (N·H·a), one chunk's logits at a time (c·V·4 for c = min(N, 16M / V) rows,
/// + 2·c·V·a when a ≠ 4: the logits in the compute dtype and their gradient cast back) and, when the head trains in a
/// dtype other than float32, its float32 gradient buffer (V·H·4); unfused (LoRA on lm_head), the logits (N·V·a) and
/// cross-entropy's float32 log-probabilities (N·V·4), and, at the start of the backward pass where memory peaks, the
/// gradients of both (N·V·(4 + a));</item>
/// <item>with gradient checkpointing each layer keeps only its input (N·H·a), and one layer's full set is rebuilt at a
/// time during the backward pass.</item>
/// </list>
/// Not counted: the rotary tables and mask (shared, O(T·d)), allocator rounding and fragmentation, libtorch's
/// workspace, and temporaries that live only inside one op.
/// </summary>
public static class ActivationMemory
{
    /// <summary>The bytes one decoder layer keeps, LoRA adapters included.</summary>
    /// <param name="config">The model's shape.</param>
    /// <param name="tokens">N: micro-batch rows × sequence length.</param>
    /// <param name="activationBytes">a: bytes per activation value (the compute dtype's size).</param>
    /// <param name="adaptedInputWidths">The input width of each LoRA-adapted linear in one layer (empty without LoRA).</param>
    /// <param name="rank">LoRA r.</param>
    /// <param name="dropout">Whether lora_dropout is above 0.</param>
    public static long PerLayer(ModelConfig config, long tokens, int activationBytes, IReadOnlyList<long> adaptedInputWidths, int rank, bool dropout)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(adaptedInputWidths);
        long n = tokens, a = activationBytes, hidden = config.HiddenSize, heads = config.NumAttentionHeads, d = config.HeadDim;
        long bytes = n * hidden * a;                              // the layer's input
        bytes += 2 * Norm(n, hidden, a) - n * hidden * a;          // two norms; the first one's input is the layer input
        bytes += 3 * n * heads * d * a;                           // q (rotated), k and v as attention reads them
        bytes += n * heads * d * a + n * heads * 4;               // attention output and log-sum-exp
        bytes += n * heads * d * a;                               // merged heads (o_proj's input)
        bytes += 4 * n * config.IntermediateSize * a;             // gate, silu(gate), up, product
        foreach (long width in adaptedInputWidths)
        {
            bytes += dropout ? n * width * (1 + 4) : a != 4 ? n * width * 4 : 0;
            bytes += n * rank * 4;
        }
        return bytes;
    }

    /// <summary>The bytes after the last layer: the final norm, then the fused head and loss (or, with <paramref name="fused"/> false, the full logits, log-probabilities and their gradients).</summary>
    /// <param name="config">The model's shape.</param>
    /// <param name="tokens">N.</param>
    /// <param name="activationBytes">a.</param>
    /// <param name="fused">Whether head and loss run fused in chunks (the head is a plain matrix).</param>
    /// <param name="headGradientBuffer">Whether the fused loss keeps a float32 gradient of the head beside the parameter's own (the head trains in bf16/fp16).</param>
    public static long LogitsAndLoss(ModelConfig config, long tokens, int activationBytes, bool fused = true, bool headGradientBuffer = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        long n = tokens, a = activationBytes, vocab = config.VocabSize, hidden = config.HiddenSize;
        if (!fused) return Norm(n, hidden, a) + n * vocab * (a + 4) + n * vocab * (4 + a);
        long chunk = Math.Min(n, Math.Max(1, FusedLinearCrossEntropy.ChunkElements / vocab));
        return Norm(n, hidden, a) + n * hidden * a + chunk * vocab * (4 + (a == 4 ? 0 : 2 * a)) + (headGradientBuffer ? vocab * hidden * 4 : 0);
    }

    /// <summary>The activations at the step's peak: every layer's set, or with <paramref name="checkpointing"/> every layer's input plus one layer's set; and the logits and loss.</summary>
    public static long Total(ModelConfig config, long tokens, int activationBytes, IReadOnlyList<long> adaptedInputWidths, int rank, bool dropout, bool checkpointing,
        bool fused = true, bool headGradientBuffer = false)
    {
        long layer = PerLayer(config, tokens, activationBytes, adaptedInputWidths, rank, dropout);
        long layers = checkpointing
            ? config.NumHiddenLayers * tokens * config.HiddenSize * activationBytes + layer
            : config.NumHiddenLayers * layer;
        return layers + LogitsAndLoss(config, tokens, activationBytes, fused, headGradientBuffer);
    }

    /// <summary>An RmsNorm over [N, H]: its input, the float32 copy when the input is not float32, its normalised value and output, and the inverse RMS.</summary>
    private static long Norm(long n, long hidden, long a) =>
        n * hidden * a + (a != 4 ? n * hidden * 4 : 0) + 2 * n * hidden * a + n * 4;
}
