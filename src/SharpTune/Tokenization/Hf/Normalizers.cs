using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SharpTune.Tokenization.Hf;

/// <summary>A tokenizer.json normalizer: rewrites text before it is split.</summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);
}

internal sealed class NormalizerSequence(IReadOnlyList<Normalizer> steps) : Normalizer
{
    public override string Normalize(string text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}

/// <summary>NFC, NFD, NFKC or NFKD.</summary>
internal sealed class UnicodeFormNormalizer(NormalizationKind kind) : Normalizer
{
    public override string Normalize(string text) => UnicodeNormalization.Normalize(text, kind);
}

/// <summary>Full Unicode lowercasing, as JavaScript's and Rust's <c>to_lowercase</c> do it.</summary>
internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text)
    {
        // .NET's invariant lowercasing is the simple 1:1 mapping; the full mapping differs only for U+0130
        // (İ → i + combining dot) and for capital sigma at the end of a word (→ final ς).
        var lower = text.ToLowerInvariant();
        if (text.AsSpan().IndexOfAny('\u0130', '\u03A3') < 0) return lower;
        var sb = new StringBuilder(lower.Length + 4);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\u0130') sb.Append("i\u0307");
            else if (c == '\u03A3') sb.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            else sb.Append(lower[i]);
        }
        return sb.ToString();
    }

    // Unicode's Final_Sigma: a cased letter before (skipping case-ignorables), none after.
    private static bool IsFinalSigma(string text, int i)
    {
        int j = i - 1;
        while (j >= 0 && IsCaseIgnorable(text[j])) j--;
        if (j < 0 || !IsCased(text[j])) return false;
        int k = i + 1;
        while (k < text.Length && IsCaseIgnorable(text[k])) k++;
        return k >= text.Length || !IsCased(text[k]);
    }

    private static bool IsCased(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) => c is '\'' or '.' or ':' or '\u00B7' or '\u2018' or '\u2019' or '\u2024' or '\u00AD'
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}

/// <summary>Replaces every match of a string or regex pattern with fixed content.</summary>
internal sealed class ReplaceNormalizer : Normalizer
{
    private readonly string? _literal;
    private readonly Regex? _regex;
    private readonly string _content;

    public ReplaceNormalizer(string? literal, string? regex, string content)
    {
        _literal = literal;
        _regex = regex == null ? null : new Regex(JsRegexTranslator.Translate(regex), RegexOptions.CultureInvariant);
        _content = content;
    }

    public override string Normalize(string text) => Apply(text);

    public string Apply(string text)
    {
        if (_literal != null) return _literal.Length == 0 ? text : text.Replace(_literal, _content, StringComparison.Ordinal);
        return _regex!.Replace(text, _content.Replace("$", "$$"));
    }
}

/// <summary>Puts a string in front of non-empty text.</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

/// <summary>Strips whitespace from the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text)
    {
        var span = text.AsSpan();
        if (left) span = span.TrimStart();
        if (right) span = span.TrimEnd();
        return span.Length == text.Length ? text : span.ToString();
    }
}

/// <summary>Removes combining marks (<c>\p{M}</c>).</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override string Normalize(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length;)
        {
            int cp = CodePoints.At(text, i, out int len);
            bool mark = (CodePoints.ClassOf(cp) & CharClass.Mark) != 0;
            if (mark) sb ??= new StringBuilder(text, 0, i, text.Length);
            else sb?.Append(text, i, len);
            i += len;
        }
        return sb?.ToString() ?? text;
    }
}
