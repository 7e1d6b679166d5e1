using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters.PromptLearning;

/// <summary>
/// Prefix tuning (Li and Liang, 2021; peft's PrefixEncoder): trainable keys and values placed before every layer's
/// own. Without projection the table holds them directly, [num_virtual_tokens, num_layers·2·token_dim]; with
/// <c>prefix_projection</c> a [num_virtual_tokens, token_dim] table goes through Linear(token_dim,
/// encoder_hidden_size) → tanh → Linear(encoder_hidden_size, num_layers·2·token_dim).
/// </summary>
/// <remarks>
/// The row layout is peft's get_prompt: viewed as [tokens, num_layers·2, heads, head_dim] and permuted to
/// [num_layers·2, heads, tokens, head_dim], entry 2·l is layer l's keys and 2·l+1 its values (heads and token_dim
/// are the key/value heads and their width on grouped-query models, see <see cref="PromptLearningConfig"/>).
/// </remarks>
public sealed class PrefixEncoder : PromptLearningEncoder
{
    private readonly Sequential? transform;

    /// <summary>Creates the encoder for <paramref name="config"/> (resolved); <paramref name="withEncoder"/> false builds the inference form (a table of outputs).</summary>
    public PrefixEncoder(PromptLearningConfig config, bool withEncoder)
        : base(nameof(PrefixEncoder), config, config.PrefixProjection && withEncoder ? config.TokenDim : config.EmbeddingWidth)
    {
        if (config.PrefixProjection && withEncoder)
        {
            transform = nn.Sequential(
                ("0", nn.Linear(config.TokenDim, config.EncoderWidth)),
                ("1", nn.Tanh()),
                ("2", nn.Linear(config.EncoderWidth, config.EmbeddingWidth)));
            register_module("transform", transform);
        }
    }

    /// <inheritdoc/>
    public override bool HasEncoder => transform is not null;

    /// <inheritdoc/>
    protected override Tensor Encode(Tensor table) => transform!.forward(table);

    /// <inheritdoc/>
    public override IReadOnlyList<(Tensor Key, Tensor Value)>? KeyValuePrefix(long batch)
    {
        long layers = Config.NumLayers, heads = Config.NumAttentionHeads, headDim = Config.TokenDim / heads;
        var all = PromptEmbeddings().view(Count, layers * 2, heads, headDim).permute(1, 2, 0, 3);   // [L·2, heads, tokens, head_dim]
        var result = new List<(Tensor, Tensor)>((int)layers);
        for (long l = 0; l < layers; l++)
            result.Add((all[2 * l].unsqueeze(0).expand(batch, -1, -1, -1), all[2 * l + 1].unsqueeze(0).expand(batch, -1, -1, -1)));
        return result;
    }
}
