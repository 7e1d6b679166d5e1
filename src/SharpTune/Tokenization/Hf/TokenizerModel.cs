namespace SharpTune.Tokenization.Hf;

/// <summary>tokenizer.json's <c>model</c>: turns one pre-token into vocabulary ids (BPE or WordPiece).</summary>
internal abstract class TokenizerModel
{
    /// <summary>Token → id.</summary>
    public abstract IReadOnlyDictionary<string, int> Vocab { get; }

    /// <summary>The unknown token's id, or -1.</summary>
    public abstract int UnkId { get; }

    /// <summary>
    /// Appends the ids of one pre-token. With <paramref name="bytes"/>, <paramref name="piece"/> is raw text whose UTF-8
    /// bytes are the symbols (a byte-level pre-tokenizer deferred its mapping to the model).
    /// </summary>
    public abstract void Encode(ReadOnlySpan<char> piece, bool bytes, List<int> output);
}
