using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Hf;

/// <summary>A tokenizer.json pre-tokenizer: splits (and may rewrite) pieces of normalized text.</summary>
internal abstract class PreTokenizer
{
    /// <summary>Splits each piece of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public virtual void PreTokenize(List<Piece> input, List<Piece> output, PreTokenizeScratch scratch)
    {
        foreach (var piece in input) Split(piece, output, scratch);
    }

    protected abstract void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch);
}

/// <summary>Buffers reused across one encode call.</summary>
internal sealed class PreTokenizeScratch
{
    public readonly List<(int Start, int End)> Matches = [];
    public readonly List<Piece> Parts = [];
}

internal sealed class PreTokenizerSequence(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public IReadOnlyList<PreTokenizer> Steps => steps;

    public override void PreTokenize(List<Piece> input, List<Piece> output, PreTokenizeScratch scratch)
    {
        var current = input;
        for (int i = 0; i < steps.Count; i++)
        {
            var target = i == steps.Count - 1 ? output : new List<Piece>(current.Count * 2);
            steps[i].PreTokenize(current, target, scratch);
            current = target;
        }
        if (steps.Count == 0) output.AddRange(input);
    }

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch) => throw new NotSupportedException();
}

/// <summary>
/// GPT-2's byte-level step: optionally a leading space and GPT-2's split, then each piece's UTF-8 bytes written in
/// <see cref="ByteLevelAlphabet"/>. When it is the last step before a BPE model, the model reads the bytes itself
/// (<see cref="DeferBytes"/>) and the alphabet strings are never built.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    private readonly SplitPattern? _pattern = useRegex ? RegexPattern.For(KnownPatterns.Gpt2) : null;

    public bool DeferBytes { get; set; }

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        if (addPrefixSpace && !piece.Span.StartsWith(' ')) piece = Piece.Whole(" " + piece.Span.ToString(), piece.AtStart);
        if (_pattern == null) { Emit(piece, output); return; }
        if (DeferBytes)
        {
            _pattern.Split(piece, SplitBehavior.Isolated, invert: false, output, scratch.Matches);
            return;
        }
        var parts = scratch.Parts;
        parts.Clear();
        _pattern.Split(piece, SplitBehavior.Isolated, invert: false, parts, scratch.Matches);
        foreach (var part in parts) Emit(part, output);
    }

    private void Emit(Piece piece, List<Piece> output)
    {
        if (piece.Length == 0) return;
        output.Add(DeferBytes ? piece : Piece.Whole(ToAlphabet(piece.Span), piece.AtStart));
    }

    public static string ToAlphabet(ReadOnlySpan<char> text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(text, bytes);
        return ByteLevelAlphabet.Encode(bytes[..n]);
    }
}

/// <summary>Splits on a string or regex pattern.</summary>
internal sealed class SplitPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert) : PreTokenizer
{
    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch) =>
        pattern.Split(piece, behavior, invert, output, scratch.Matches);
}

/// <summary>How Metaspace puts its replacement character in front of text.</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>SentencePiece's metaspace: spaces become ▁ (or the configured replacement), optionally split before each.</summary>
internal sealed class MetaspacePreTokenizer(string replacement, PrependScheme scheme, bool split) : PreTokenizer
{
    private readonly LiteralPattern _pattern = new(replacement);

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        var text = piece.Span.ToString().Replace(" ", replacement, StringComparison.Ordinal);
        bool prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.AtStart);
        if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal)) text = replacement + text;
        var whole = Piece.Whole(text, piece.AtStart);
        if (split) _pattern.Split(whole, SplitBehavior.MergedWithNext, invert: false, output, scratch.Matches);
        else if (text.Length > 0) output.Add(whole);
    }
}

/// <summary>Splits runs of digits from the rest (each digit alone with <c>individual_digits</c>).</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : PreTokenizer
{
    private readonly ClassPattern _pattern = new(cp => (CodePoints.ClassOf(cp) & CharClass.Number) != 0, runs: !individualDigits);

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch) =>
        _pattern.Split(piece, individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, invert: false, output, scratch.Matches);
}

/// <summary>Splits on whitespace, dropping it.</summary>
internal sealed class WhitespaceSplitPreTokenizer : PreTokenizer
{
    private static readonly ClassPattern Spaces = new(IsWhitespace, runs: true);

    public static bool IsWhitespace(int cp) => cp < 0x10000 && char.IsWhiteSpace((char)cp);

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch) =>
        Spaces.Split(piece, SplitBehavior.Removed, invert: false, output, scratch.Matches);
}

/// <summary>Keeps runs of word characters and runs of other non-space characters (<c>\w+|[^\w\s]+</c>).</summary>
internal sealed class WhitespacePreTokenizer : PreTokenizer
{
    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        var s = piece.Span;
        int i = 0;
        while (i < s.Length)
        {
            int cp = CodePoints.At(s, i, out int len);
            if (WhitespaceSplitPreTokenizer.IsWhitespace(cp)) { i += len; continue; }
            bool word = IsWord(cp);
            int j = i + len;
            while (j < s.Length)
            {
                int c = CodePoints.At(s, j, out int l);
                if (WhitespaceSplitPreTokenizer.IsWhitespace(c) || IsWord(c) != word) break;
                j += l;
            }
            output.Add(new Piece(piece.Text, piece.Start + i, j - i, piece.AtStart && i == 0));
            i = j;
        }
    }

    private static bool IsWord(int cp) => (CodePoints.ClassOf(cp) & (CharClass.Letter | CharClass.Mark)) != 0
        || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
}

/// <summary>Splits punctuation (Unicode P and ASCII punctuation) from the rest.</summary>
internal sealed class PunctuationPreTokenizer(SplitBehavior behavior) : PreTokenizer
{
    private static readonly ClassPattern Punctuation = new(IsPunctuation, runs: false);

    public static bool IsPunctuation(int cp) => (cp is > 0x20 and < 0x7F && !char.IsAsciiLetterOrDigit((char)cp))
        || (CodePoints.ClassOf(cp) & CharClass.Punctuation) != 0;

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch) =>
        Punctuation.Split(piece, behavior, invert: false, output, scratch.Matches);
}

/// <summary>BERT's basic split: drop whitespace, isolate each punctuation character.</summary>
internal sealed class BertPreTokenizer : PreTokenizer
{
    private static readonly ClassPattern Spaces = new(WhitespaceSplitPreTokenizer.IsWhitespace, runs: true);
    private static readonly ClassPattern Punctuation = new(PunctuationPreTokenizer.IsPunctuation, runs: false);

    protected override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        var words = new List<Piece>();
        Spaces.Split(piece, SplitBehavior.Removed, invert: false, words, scratch.Matches);
        foreach (var word in words) Punctuation.Split(word, SplitBehavior.Isolated, invert: false, output, scratch.Matches);
    }
}

/// <summary>Matches code points of a class, one by one or in runs.</summary>
internal sealed class ClassPattern(Func<int, bool> member, bool runs) : SplitPattern
{
    public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
    {
        var s = text.AsSpan(start, length);
        int i = 0;
        while (i < s.Length)
        {
            int cp = CodePoints.At(s, i, out int len);
            if (!member(cp)) { i += len; continue; }
            int j = i + len;
            while (runs && j < s.Length)
            {
                int c = CodePoints.At(s, j, out int l);
                if (!member(c)) break;
                j += l;
            }
            matches.Add((start + i, start + j));
            i = j;
        }
    }
}
