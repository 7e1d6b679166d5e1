namespace SharpTune.Tokenization.Training;

/// <summary>What a trained tokenizer's files say beyond the vocabulary: which special token plays which role.</summary>
public sealed class BpeTokenizerFileOptions
{
    /// <summary>The beginning-of-sequence token (one of the special tokens), if any.</summary>
    public string? BosToken { get; init; }

    /// <summary>The end-of-sequence token (one of the special tokens), if any.</summary>
    public string? EosToken { get; init; }

    /// <summary>The padding token (one of the special tokens), if any.</summary>
    public string? PadToken { get; init; }

    /// <summary>The unknown token (one of the special tokens), if any; byte-level BPE never needs one to encode.</summary>
    public string? UnkToken { get; init; }

    /// <summary>
    /// Whether encoding puts <see cref="BosToken"/> in front of every text (tokenizer.json's post-processor becomes a
    /// <c>TemplateProcessing</c>, and tokenizer_config.json says <c>add_bos_token: true</c>). Default true; without a
    /// bos token there is nothing to add.
    /// </summary>
    public bool AddBosToken { get; init; } = true;

    /// <summary><c>model_max_length</c> for tokenizer_config.json; null writes transformers' "no limit" value (10^30).</summary>
    public long? ModelMaxLength { get; init; }
}
