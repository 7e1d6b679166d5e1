using System.Globalization;

namespace SharpTune.Tokenization.Training;

/// <summary>
/// The pre-tokenizer split that Llama 3's tokenizer.json declares as a <c>Split</c> with <see cref="Pattern"/>
/// (behavior <c>Isolated</c>): contractions, letter runs with one leading non-letter, digit groups of at most
/// three, punctuation runs with trailing newlines, and whitespace runs.
/// </summary>
/// <remarks>
/// Written out by hand rather than as a .NET <see cref="System.Text.RegularExpressions.Regex"/>: .NET regexes
/// match UTF-16 code units, so <c>\p{L}</c> does not match a letter outside the Basic Multilingual Plane
/// (e.g. U+20000), while the regex engines that load tokenizer.json (Rust's onig in HF tokenizers, JavaScript's
/// <c>u</c>-flag regexes in transformers.js) match whole code points. This scanner classifies whole code points,
/// with JavaScript's <c>\s</c> set, so the pieces it cuts (and so the merges trained on them) are the pieces
/// an encoder cuts. Each alternative is emulated with the regex's own backtracking outcome.
/// </remarks>
public static class Llama3PreTokenizer
{
    /// <summary>The pattern as tokenizer.json spells it (Llama 3's, which HF tokenizers and transformers.js both read).</summary>
    public const string Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private enum Kind : byte { Other, Letter, Number, Space }

    private static readonly Kind[] AsciiKinds = BuildAsciiKinds();

    /// <summary>
    /// The length in UTF-16 code units of the piece that starts at <paramref name="start"/>; every character
    /// belongs to exactly one piece, so calling this from 0 onward, each time from the end of the last piece,
    /// cuts the whole text.
    /// </summary>
    public static int NextPieceLength(ReadOnlySpan<char> text, int start)
    {
        int n = text.Length;
        if ((uint)start >= (uint)n) throw new ArgumentOutOfRangeException(nameof(start));
        int p = start;
        char c0 = text[p];

        // (?i:'s|'t|'re|'ve|'m|'ll|'d) — ASCII case-insensitive, as transformers.js rewrites it.
        if (c0 == '\'' && p + 1 < n)
        {
            char a = (char)(text[p + 1] | 0x20);
            if (a is 's' or 't' or 'm' or 'd' && text[p + 1] < 0x80) return 2;
            if (p + 2 < n && text[p + 1] < 0x80 && text[p + 2] < 0x80)
            {
                char b = (char)(text[p + 2] | 0x20);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
            }
        }

        var k0 = KindAt(text, p, out int w0);

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (k0 == Kind.Letter) return w0 + LetterRun(text, p + w0);
        if (k0 != Kind.Number && c0 != '\r' && c0 != '\n' && p + w0 < n && KindAt(text, p + w0, out int w1) == Kind.Letter)
            return w0 + w1 + LetterRun(text, p + w0 + w1);

        // \p{N}{1,3}
        if (k0 == Kind.Number)
        {
            int q = p + w0;
            for (int i = 1; i < 3 && q < n && KindAt(text, q, out int w) == Kind.Number; i++) q += w;
            return q - p;
        }

        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int run = -1;
        if (k0 == Kind.Other) run = p;
        else if (c0 == ' ' && p + 1 < n && KindAt(text, p + 1, out _) == Kind.Other) run = p + 1;
        if (run >= 0)
        {
            int q = run;
            while (q < n && KindAt(text, q, out int w) == Kind.Other) q += w;
            while (q < n && text[q] is '\r' or '\n') q++;
            return q - p;
        }

        // Only whitespace is left (every whitespace character is in the BMP).
        int end = p + 1;
        while (end < n && IsSpace(text[end])) end++;
        // \s*[\r\n]+ : the greedy \s* gives back down to the last newline of the run.
        for (int j = end - 1; j >= p; j--)
            if (text[j] is '\r' or '\n') return j + 1 - p;
        // \s+(?!\S) : the whole run at the end of the text, else all but its last character.
        if (end == n) return end - p;
        if (end - p >= 2) return end - p - 1;
        // \s+
        return end - p;
    }

    /// <summary>Cuts <paramref name="text"/> into its pieces, calling <paramref name="piece"/> with each one's start and length.</summary>
    public static void Split(ReadOnlySpan<char> text, Action<int, int> piece)
    {
        for (int p = 0; p < text.Length;)
        {
            int length = NextPieceLength(text, p);
            piece(p, length);
            p += length;
        }
    }

    private static int LetterRun(ReadOnlySpan<char> text, int p)
    {
        int q = p;
        while (q < text.Length && KindAt(text, q, out int w) == Kind.Letter) q += w;
        return q - p;
    }

    private static Kind KindAt(ReadOnlySpan<char> text, int i, out int width)
    {
        char c = text[i];
        width = 1;
        if (c < 0x80) return AsciiKinds[c];
        int codePoint = c;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            codePoint = char.ConvertToUtf32(c, text[i + 1]);
            width = 2;
        }
        else if (IsSpace(c))
        {
            return Kind.Space;
        }
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    /// <summary>JavaScript's <c>\s</c>: WhiteSpace and LineTerminator (U+FEFF included, U+0085 not).</summary>
    private static bool IsSpace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u00A0' or '\u1680' or '\u2028' or '\u2029' or '\u202F' or '\u205F'
            or '\u3000' or '\uFEFF' => true,
        >= '\u2000' and <= '\u200A' => true,
        _ => false,
    };

    private static Kind[] BuildAsciiKinds()
    {
        var kinds = new Kind[128];
        for (int c = 0; c < 128; c++)
            kinds[c] = IsSpace((char)c) ? Kind.Space
                : char.IsAsciiLetter((char)c) ? Kind.Letter
                : char.IsAsciiDigit((char)c) ? Kind.Number
                : Kind.Other;
        return kinds;
    }
}
