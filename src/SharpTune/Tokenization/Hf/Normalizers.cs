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

/// <summary>
/// BERT's normalizer, in tokenizers' order: drop NUL, U+FFFD and control characters and turn whitespace into spaces
/// (<c>clean_text</c>), put spaces around CJK ideographs (<c>handle_chinese_chars</c>), strip accents (NFD, then
/// no nonspacing marks; <c>strip_accents</c>, by default as <c>lowercase</c>), then lowercase — character by
/// character as tokenizers' BertNormalizer does (so a final capital sigma becomes σ, not ς, unlike the Lowercase
/// normalizer's whole-string mapping).
/// </summary>
internal sealed class BertNormalizer(bool cleanText, bool handleChineseChars, bool stripAccents, bool lowercase) : Normalizer
{
    private static readonly UnicodeFormNormalizer Nfd = new(NormalizationKind.Nfd);

    public override string Normalize(string text)
    {
        if (cleanText || handleChineseChars)
        {
            var sb = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length;)
            {
                int cp = CodePoints.At(text, i, out int len);
                i += len;
                if (cleanText)
                {
                    if (cp == 0 || cp == 0xFFFD || IsControl(cp)) continue;
                    if (IsWhitespace(cp))
                    {
                        sb.Append(' ');
                        continue;
                    }
                }
                if (handleChineseChars && IsChinese(cp)) sb.Append(' ').Append(char.ConvertFromUtf32(cp)).Append(' ');
                else sb.Append(char.ConvertFromUtf32(cp));
            }
            text = sb.ToString();
        }
        if (stripAccents)
        {
            text = Nfd.Normalize(text);
            var sb = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length;)
            {
                int cp = CodePoints.At(text, i, out int len);
                if (CharUnicodeInfo.GetUnicodeCategory(cp) != UnicodeCategory.NonSpacingMark) sb.Append(text, i, len);
                i += len;
            }
            text = sb.ToString();
        }
        return lowercase ? Lowercase(text) : text;
    }

    private static string Lowercase(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            int cp = CodePoints.At(text, i, out int len);
            if (cp == 0x130) sb.Append("i\u0307");
            else if (len == 1) sb.Append(char.ToLowerInvariant(text[i]));
            else sb.Append(text.Substring(i, len).ToLowerInvariant());
            i += len;
        }
        return sb.ToString();
    }

    private static bool IsWhitespace(int cp) => cp is '\t' or '\n' or '\r' or ' ' || (cp <= 0xFFFF && char.IsWhiteSpace((char)cp));

    private static bool IsControl(int cp) => cp is not ('\t' or '\n' or '\r')
        && CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    private static bool IsChinese(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B920 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
