namespace SharpTune.Adapters;

/// <summary>
/// Freeze (partial-parameter) tuning, under LLaMA-Factory's key names: train only some decoder layers, and within
/// them only some modules, plus chosen modules outside the layers; everything else stays frozen.
/// </summary>
public sealed record FreezeConfig
{
    /// <summary>
    /// <c>freeze_trainable_layers</c>: a positive n trains the last n decoder layers, a negative n the first |n|,
    /// 0 none (LLaMA-Factory's default is 2).
    /// </summary>
    public int TrainableLayers { get; init; } = 2;

    /// <summary>
    /// <c>freeze_trainable_modules</c>: the modules trained within those layers, by their name inside a layer
    /// (<c>self_attn</c>, <c>mlp</c>, <c>input_layernorm</c>, or deeper such as <c>mlp.down_proj</c>); <c>all</c> for the whole layer.
    /// </summary>
    public IReadOnlyList<string> TrainableModules { get; init; } = ["all"];

    /// <summary>
    /// <c>freeze_extra_modules</c>: modules outside the decoder layers that train too, by name
    /// (<c>embed_tokens</c>, <c>norm</c>, <c>lm_head</c>).
    /// </summary>
    public IReadOnlyList<string> ExtraModules { get; init; } = [];
}
