namespace SharpTune.Tokenization.Hf;

/// <summary>
/// tokenizer.json's WordPiece model (BERT): each pre-token is cut greedily into the longest vocabulary entries from
/// the left, every piece after the first carrying the continuing-subword prefix (<c>##</c>); a word that cannot be
/// cut so, or that is longer than <c>max_input_chars_per_word</c> characters, becomes the one unknown token.
/// </summary>
internal sealed class WordPieceModel : TokenizerModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly string _prefix;
    private readonly int _maxChars;
    private readonly int _unkId;

    public WordPieceModel(Dictionary<string, int> vocab, string unkToken, string prefix, int maxInputCharsPerWord)
    {
        _vocab = vocab;
        _bySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefix = prefix;
        _maxChars = maxInputCharsPerWord;
        UnkToken = unkToken;
        _unkId = vocab.TryGetValue(unkToken, out var unk) ? unk : -1;
    }

    public string UnkToken { get; }

    public override IReadOnlyDictionary<string, int> Vocab => _vocab;

    public override int UnkId => _unkId;

    public override void Encode(ReadOnlySpan<char> piece, bool bytes, List<int> output)
    {
        if (piece.Length == 0) return;
        // Character boundaries (code points, as Rust's chars): a piece never ends inside a surrogate pair.
        var bounds = new List<int>(piece.Length + 1);
        for (int i = 0; i < piece.Length; i += char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1)
            bounds.Add(i);
        bounds.Add(piece.Length);
        int chars = bounds.Count - 1;
        if (chars > _maxChars)
        {
            AddUnknown(output);
            return;
        }
        int first = output.Count;
        var buffer = new char[piece.Length + _prefix.Length];
        _prefix.CopyTo(buffer);
        int start = 0;
        while (start < chars)
        {
            int found = -1, end = chars;
            for (; end > start; end--)
            {
                var sub = piece[bounds[start]..bounds[end]];
                ReadOnlySpan<char> key = sub;
                if (start > 0)
                {
                    sub.CopyTo(buffer.AsSpan(_prefix.Length));
                    key = buffer.AsSpan(0, _prefix.Length + sub.Length);
                }
                if (_bySpan.TryGetValue(key, out found)) break;
                found = -1;
            }
            if (found < 0)
            {
                output.RemoveRange(first, output.Count - first);
                AddUnknown(output);
                return;
            }
            output.Add(found);
            start = end;
        }
    }

    private void AddUnknown(List<int> output)
    {
        if (_unkId < 0) throw new SharpTuneException($"WordPiece: the unknown token '{UnkToken}' is not in the vocabulary");
        output.Add(_unkId);
    }
}
