namespace SharpTune.Tokenization;

/// <summary>Turns text into token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce.</summary>
    long VocabSize { get; }

    /// <summary>Beginning-of-sequence id, if the tokenizer has one.</summary>
    long? BosId { get; }

    /// <summary>End-of-sequence id, if the tokenizer has one.</summary>
    long? EosId { get; }

    /// <summary>Padding id, if the tokenizer has one.</summary>
    long? PadId { get; }

    /// <summary>Encodes <paramref name="text"/>; with <paramref name="addSpecialTokens"/>, adds what the tokenizer adds around a sequence (e.g. bos).</summary>
    IReadOnlyList<long> Encode(string text, bool addSpecialTokens = true);

    /// <summary>Decodes <paramref name="ids"/>, leaving out special tokens when <paramref name="skipSpecialTokens"/>.</summary>
    string Decode(IEnumerable<long> ids, bool skipSpecialTokens = true);
}
