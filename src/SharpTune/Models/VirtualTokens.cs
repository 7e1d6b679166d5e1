using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Trainable positions placed before every sequence the decoder sees — the hook prompt-based tuning methods plug
/// into (they live in Adapters; the model knows only this shape). A method supplies either embeddings that are
/// prepended to the input (prompt tuning, P-tuning) or a key/value prefix for every layer's attention (prefix
/// tuning). Either way the virtual positions come first: the real tokens' positions are shifted by
/// <see cref="Count"/> (as transformers numbers them after peft's prompt), every real token attends to them, and
/// a KV cache holds them ahead of the real tokens from the first forward pass on.
/// </summary>
public abstract class VirtualTokens : nn.Module
{
    /// <summary>Creates the module named <paramref name="name"/>.</summary>
    protected VirtualTokens(string name) : base(name) { }

    /// <summary>How many virtual positions precede the input.</summary>
    public abstract long Count { get; }

    /// <summary>Embeddings [batch, <see cref="Count"/>, hidden] to prepend to the input embeddings, or null when the method prefixes keys and values instead.</summary>
    public virtual Tensor? InputEmbeddings(long batch) => null;

    /// <summary>
    /// Per layer, keys and values [batch, kv_heads, <see cref="Count"/>, head_dim] to place before the layer's own
    /// (used as they are: like cached keys, they are not rotated again), or null when the method prepends embeddings.
    /// </summary>
    public virtual IReadOnlyList<(Tensor Key, Tensor Value)>? KeyValuePrefix(long batch) => null;
}
