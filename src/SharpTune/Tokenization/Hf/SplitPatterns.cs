using System.Text.RegularExpressions;

namespace SharpTune.Tokenization.Hf;

/// <summary>A piece of text on its way through pre-tokenization: a slice of <see cref="Text"/>.</summary>
/// <param name="Text">The string the piece lies in.</param>
/// <param name="Start">Where it starts in <paramref name="Text"/>.</param>
/// <param name="Length">Its length in UTF-16 units.</param>
/// <param name="AtStart">Whether it starts the input text (Metaspace's <c>prepend_scheme: first</c> asks).</param>
internal readonly record struct Piece(string Text, int Start, int Length, bool AtStart)
{
    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);

    public static Piece Whole(string text, bool atStart) => new(text, 0, text.Length, atStart);
}

/// <summary>What a split does with the parts its pattern matches (tokenizers' <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>Finds the matches of a split pattern in a piece of text.</summary>
internal abstract class SplitPattern
{
    /// <summary>Appends each non-empty match in <c>text[start..start+length)</c> as absolute (start, end), in order.</summary>
    public abstract void FindMatches(string text, int start, int length, List<(int Start, int End)> matches);

    /// <summary>
    /// Splits <paramref name="piece"/> around the matches as <paramref name="behavior"/> says (with
    /// <paramref name="invert"/>, the text between matches plays the delimiter) and appends the non-empty parts.
    /// </summary>
    public void Split(Piece piece, SplitBehavior behavior, bool invert, List<Piece> output, List<(int Start, int End)> scratch)
    {
        scratch.Clear();
        FindMatches(piece.Text, piece.Start, piece.Length, scratch);
        if (scratch.Count == 0 && !invert)
        {
            if (piece.Length > 0) output.Add(piece);
            return;
        }
        if (behavior == SplitBehavior.Isolated)
        {
            // Every part is its own piece, delimiter or not.
            int at = piece.Start;
            foreach (var (s, e) in scratch)
            {
                if (s > at) output.Add(new Piece(piece.Text, at, s - at, piece.AtStart && at == piece.Start));
                output.Add(new Piece(piece.Text, s, e - s, piece.AtStart && s == piece.Start));
                at = e;
            }
            int stop = piece.Start + piece.Length;
            if (stop > at) output.Add(new Piece(piece.Text, at, stop - at, piece.AtStart && at == piece.Start));
            return;
        }
        // The piece as alternating parts: (start, end, isDelimiter).
        var parts = new List<(int Start, int End, bool Delimiter)>(scratch.Count * 2 + 1);
        int prev = piece.Start;
        foreach (var (s, e) in scratch)
        {
            if (s > prev) parts.Add((prev, s, invert));
            parts.Add((s, e, !invert));
            prev = e;
        }
        int end = piece.Start + piece.Length;
        if (prev < end) parts.Add((prev, end, invert));

        var merged = new List<(int Start, int End, bool Delimiter)>(parts.Count);
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var p in parts) if (!p.Delimiter) merged.Add(p);
                break;
            case SplitBehavior.Isolated:
                merged.AddRange(parts);
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                bool previousDelimiter = false;
                foreach (var p in parts)
                {
                    if (p.Delimiter && !previousDelimiter && merged.Count > 0) merged[^1] = (merged[^1].Start, p.End, false);
                    else merged.Add((p.Start, p.End, false));
                    previousDelimiter = p.Delimiter;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                bool nextDelimiter = false;
                for (int i = parts.Count - 1; i >= 0; i--)
                {
                    var p = parts[i];
                    if (p.Delimiter && !nextDelimiter && merged.Count > 0) merged[^1] = (p.Start, merged[^1].End, false);
                    else merged.Add((p.Start, p.End, false));
                    nextDelimiter = p.Delimiter;
                }
                merged.Reverse();
                break;
            }
            case SplitBehavior.Contiguous:
            {
                bool previousDelimiter = false;
                foreach (var p in parts)
                {
                    if (p.Delimiter == previousDelimiter && merged.Count > 0) merged[^1] = (merged[^1].Start, p.End, false);
                    else merged.Add((p.Start, p.End, false));
                    previousDelimiter = p.Delimiter;
                }
                break;
            }
        }
        foreach (var (s, e, _) in merged)
            if (e > s) output.Add(new Piece(piece.Text, s, e - s, piece.AtStart && s == piece.Start));
    }
}

/// <summary>A literal string pattern.</summary>
internal sealed class LiteralPattern(string literal) : SplitPattern
{
    public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
    {
        if (literal.Length == 0) return;
        var span = text.AsSpan(start, length);
        int offset = 0;
        while (offset < span.Length)
        {
            int i = span[offset..].IndexOf(literal, StringComparison.Ordinal);
            if (i < 0) break;
            matches.Add((start + offset + i, start + offset + i + literal.Length));
            offset += i + literal.Length;
        }
    }
}

/// <summary>
/// A regex pattern, run by .NET after <see cref="JsRegexTranslator"/> made it code-point aware: text without surrogates
/// (nearly all of it) runs through the faster BMP-only translation, the rest through the full one.
/// </summary>
internal sealed class RegexPattern : SplitPattern
{
    private readonly Regex _bmp;
    private readonly Lazy<Regex> _full;

    public RegexPattern(string pattern)
    {
        _bmp = new Regex(JsRegexTranslator.Translate(pattern, bmpOnly: true), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        string full = JsRegexTranslator.Translate(pattern);
        _full = new Lazy<Regex>(() => new Regex(full, RegexOptions.CultureInvariant));
    }

    public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
    {
        var span = text.AsSpan(start, length);
        var regex = span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 ? _bmp : _full.Value;
        foreach (var m in regex.EnumerateMatches(span))
            if (m.Length > 0) matches.Add((start + m.Index, start + m.Index + m.Length));
    }

    /// <summary>The pattern for <paramref name="regex"/>: a hand-written matcher when it is one of the well-known ones, else a translated regex.</summary>
    public static SplitPattern For(string regex) => KnownPatterns.TryGet(regex) ?? new RegexPattern(regex);
}
