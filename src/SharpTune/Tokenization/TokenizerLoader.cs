namespace SharpTune.Tokenization;

/// <summary>Finds the tokenizer that goes with a model folder.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// The tokenizer for <paramref name="folder"/>: its <c>tokenizer.json</c> as an <see cref="HfTokenizer"/> when it has
    /// one; otherwise, when the model's vocabulary is the byte tokenizer's (as init-model writes them), <see cref="ByteTokenizer"/>.
    /// </summary>
    public static ITokenizer ForModel(string folder, long modelVocabSize)
    {
        if (File.Exists(Path.Combine(folder, HfTokenizer.FileName)))
            return HfTokenizer.Load(folder);
        if (modelVocabSize < ByteTokenizer.Size)
            throw new SharpTuneException(
                $"{folder}: no tokenizer.json, and the vocabulary ({modelVocabSize}) is too small for the byte tokenizer ({ByteTokenizer.Size}); use --prompt-ids");
        return new ByteTokenizer();
    }
}
