using static TorchSharp.torch;

namespace SharpTune.Adapters.PromptLearning;

/// <summary>
/// Prompt tuning (Lester et al., 2021; peft's PromptEmbedding): <c>num_virtual_tokens</c> trainable embeddings of the
/// model's width prepended to the input. Initialised N(0, 1) (RANDOM) or, with TEXT, from the model's own embeddings
/// of the init text's token ids, repeated and cut to num_virtual_tokens as peft does.
/// </summary>
public sealed class PromptEmbedding : PromptLearningEncoder
{
    /// <summary>Creates the table for <paramref name="config"/> (resolved against the model).</summary>
    public PromptEmbedding(PromptLearningConfig config) : base(nameof(PromptEmbedding), config, config.TokenDim) { }

    /// <inheritdoc/>
    public override bool HasEncoder => false;

    /// <inheritdoc/>
    public override Tensor? InputEmbeddings(long batch) => Embedding.weight!.unsqueeze(0).expand(batch, -1, -1);

    /// <summary>
    /// The ids TEXT initialisation embeds, as peft's PromptEmbedding picks them: the tokenizer's ids of the text
    /// (special tokens included, as <c>tokenizer(text)["input_ids"]</c> gives them), cut to <paramref name="count"/>
    /// when longer, else repeated ceil(count / n) times and cut.
    /// </summary>
    public static long[] InitTokenIds(IReadOnlyList<long> textIds, int count)
    {
        ArgumentNullException.ThrowIfNull(textIds);
        if (textIds.Count == 0) throw new SharpTuneException("prompt_tuning_init_text encodes to no tokens");
        int reps = (count + textIds.Count - 1) / textIds.Count;
        return Enumerable.Repeat(textIds, Math.Max(1, reps)).SelectMany(ids => ids).Take(count).ToArray();
    }

    /// <summary>Copies the rows of <paramref name="wordEmbeddings"/> [vocab, hidden] for <paramref name="ids"/> into the table (in fp32, as peft).</summary>
    public void InitializeFrom(Tensor wordEmbeddings, long[] ids)
    {
        ArgumentNullException.ThrowIfNull(wordEmbeddings);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = wordEmbeddings.index_select(0, tensor(ids, device: wordEmbeddings.device)).to(ScalarType.Float32);
        Embedding.weight!.copy_(rows);
    }
}
