using System.Buffers;

namespace SharpTune.Tokenization.Hf;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord, bool LStrip, bool RStrip, bool Normalized);

/// <summary>A stretch of text: either an added token (its id) or ordinary text to tokenize.</summary>
internal readonly record struct Section(int Start, int Length, int TokenId)
{
    public bool IsToken => TokenId >= 0;
}

/// <summary>
/// Finds added tokens in text, leftmost-longest (as tokenizers' Aho-Corasick search does), honouring
/// <c>single_word</c>, <c>lstrip</c> and <c>rstrip</c>. A trie over UTF-16 units; only positions holding a
/// token's first character are tried.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<long, int> _edges = [];
    private readonly List<int> _terminal = [-1]; // node → index into _tokens, or -1
    private readonly List<AddedToken> _tokens = [];
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> tokens)
    {
        var first = new HashSet<char>();
        foreach (var (pattern, token) in tokens)
        {
            if (pattern.Length == 0) continue;
            first.Add(pattern[0]);
            int node = 0;
            foreach (var c in pattern)
            {
                long key = ((long)node << 16) | c;
                if (!_edges.TryGetValue(key, out int child))
                {
                    child = _terminal.Count;
                    _terminal.Add(-1);
                    _edges[key] = child;
                }
                node = child;
            }
            _terminal[node] = _tokens.Count;
            _tokens.Add(token);
        }
        _firstChars = SearchValues.Create([.. first]);
        IsEmpty = _tokens.Count == 0;
    }

    public bool IsEmpty { get; }

    /// <summary>Splits <c>text[start..start+length)</c> into sections, appended to <paramref name="output"/>.</summary>
    public void Split(string text, int start, int length, List<Section> output)
    {
        int end = start + length;
        int textStart = start; // where the pending ordinary text begins
        int i = start;
        while (i < end)
        {
            int found = text.AsSpan(i, end - i).IndexOfAny(_firstChars);
            if (found < 0) break;
            i += found;
            var (matchEnd, token) = LongestAt(text, i, end);
            if (token == null || (token.SingleWord && !IsSingleWord(text, start, end, i, matchEnd)))
            {
                i++;
                continue;
            }
            int matchStart = i, tokenEnd = matchEnd;
            if (token.LStrip) while (matchStart > textStart && IsSpace(text[matchStart - 1])) matchStart--;
            if (token.RStrip) while (matchEnd < end && IsSpace(text[matchEnd])) matchEnd++;
            if (matchStart > textStart) output.Add(new Section(textStart, matchStart - textStart, -1));
            output.Add(new Section(i, tokenEnd - i, token.Id));
            textStart = i = matchEnd;
        }
        if (end > textStart) output.Add(new Section(textStart, end - textStart, -1));
    }

    private (int End, AddedToken? Token) LongestAt(string text, int i, int end)
    {
        int node = 0, bestEnd = -1, best = -1;
        for (int j = i; j < end; j++)
        {
            if (!_edges.TryGetValue(((long)node << 16) | text[j], out node)) break;
            if (_terminal[node] >= 0) { best = _terminal[node]; bestEnd = j + 1; }
        }
        return best < 0 ? (-1, null) : (bestEnd, _tokens[best]);
    }

    private static bool IsSpace(char c) => (CodePoints.ClassOf(c) & CharClass.Space) != 0;

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool IsSingleWord(string text, int start, int end, int matchStart, int matchEnd) =>
        (matchStart == start || !IsWordChar(text[matchStart - 1])) && (matchEnd == end || !IsWordChar(text[matchEnd]));
}
