using SharpTune.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters.PromptLearning;

/// <summary>
/// What a prompt-based method trains, as <see cref="VirtualTokens"/>: a table of <c>num_virtual_tokens</c> rows
/// (peft's <c>embedding</c>), optionally passed through an encoder. <see cref="PromptEmbeddings"/> is the tensor
/// peft saves as <c>prompt_embeddings</c>; a module loaded from a saved adapter holds that tensor as its table and
/// has no encoder (peft's inference mode).
/// </summary>
public abstract class PromptLearningEncoder : VirtualTokens
{
    /// <summary>Creates the module for <paramref name="config"/> (resolved against the model), with a table of <paramref name="tableWidth"/> columns.</summary>
    protected PromptLearningEncoder(string name, PromptLearningConfig config, long tableWidth) : base(name)
    {
        Config = config;
        // nn.Embedding's own initialisation, N(0, 1), as peft's table starts (the recipe seeds torch first).
        Embedding = nn.Embedding(config.NumVirtualTokens, tableWidth);
        register_module("embedding", Embedding);
    }

    /// <summary>The settings, resolved against the model.</summary>
    public PromptLearningConfig Config { get; }

    /// <summary>The trained table (peft's <c>embedding</c>).</summary>
    public Embedding Embedding { get; }

    /// <summary>Whether an encoder sits behind the table (false once loaded from a saved adapter: the table then holds the encoder's output).</summary>
    public abstract bool HasEncoder { get; }

    /// <inheritdoc/>
    public override long Count => Config.NumVirtualTokens;

    /// <summary>
    /// [num_virtual_tokens, width]: the table through the encoder if there is one — exactly what peft's
    /// <c>get_prompt_embedding_to_save</c> returns (the prompt encoder applied to arange(num_virtual_tokens)), and
    /// what <c>get_prompt</c> expands over the batch.
    /// </summary>
    public Tensor PromptEmbeddings()
    {
        var table = Embedding.weight!;
        return HasEncoder ? Encode(table) : table;
    }

    /// <summary>The encoder applied to the table rows [num_virtual_tokens, token_dim].</summary>
    protected virtual Tensor Encode(Tensor table) => table;
}
