namespace SharpTune.Tokenization;

/// <summary>Finds the tokenizer that goes with a model folder.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// The tokenizer for <paramref name="folder"/>. Folders without tokenizer.json whose vocabulary is the byte
    /// tokenizer's (as init-model writes them) get <see cref="ByteTokenizer"/>.
    /// </summary>
    public static ITokenizer ForModel(string folder, long modelVocabSize)
    {
        if (File.Exists(Path.Combine(folder, "tokenizer.json")))
            throw new SharpTuneException(
                $"{folder}: tokenizer.json is not supported yet; pass token ids with --prompt-ids instead of --prompt");
        if (modelVocabSize < ByteTokenizer.Size)
            throw new SharpTuneException(
                $"{folder}: no tokenizer.json, and the vocabulary ({modelVocabSize}) is too small for the byte tokenizer ({ByteTokenizer.Size}); use --prompt-ids");
        return new ByteTokenizer();
    }
}
