using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Hf;

/// <summary>
/// Rewrites a tokenizer.json regex (written for Oniguruma, run by the reference in JavaScript's Unicode mode) into a
/// .NET regex with the same meaning on UTF-16 text. .NET matches UTF-16 code units, so <c>\p{L}</c> or
/// <c>[^\s\p{L}]</c> would see half a surrogate pair instead of an emoji or a math letter; here every class becomes an
/// explicit set of code points, written as a BMP class plus surrogate-pair alternatives. <c>\s</c>, <c>\d</c>,
/// <c>\w</c> and <c>.</c> take their JavaScript meanings, as in the reference.
/// </summary>
internal static class JsRegexTranslator
{
    // The reference rewrites these before compiling (JavaScript lacks (?i:...)); doing the same keeps the case rules
    // ASCII-only, as theirs are.
    private static readonly (string From, string To)[] Rewrites =
    [
        ("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))"),
    ];

    private static readonly Dictionary<string, CodePointSet> Cache = [];

    /// <summary>
    /// The .NET pattern for <paramref name="pattern"/>; throws <see cref="FormatException"/> naming what is not supported.
    /// With <paramref name="bmpOnly"/> the surrogate-pair alternatives are left out: the result is only for text without
    /// surrogates, where it means the same and runs much faster (its classes stay plain .NET classes).
    /// </summary>
    public static string Translate(string pattern, bool bmpOnly = false)
    {
        foreach (var (from, to) in Rewrites) pattern = pattern.Replace(from, to, StringComparison.Ordinal);
        var output = new StringBuilder(pattern.Length * 2);
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '\\':
                    i = TranslateEscape(pattern, i, output, bmpOnly);
                    break;
                case '[':
                    i = ParseClass(pattern, i, out var set);
                    output.Append(set.ToRegex(bmpOnly));
                    break;
                case '.':
                    output.Append(CodePointSet.Of("\n\r\u2028\u2029").Complement().ToRegex(bmpOnly));
                    i++;
                    break;
                case '$':
                    output.Append("\\z");
                    i++;
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
                    {
                        output.Append("(?:").Append(c).Append(pattern[i + 1]).Append(')');
                        i += 2;
                    }
                    else
                    {
                        output.Append(c);
                        i++;
                    }
                    break;
            }
        }
        return output.ToString();
    }

    private static int TranslateEscape(string p, int i, StringBuilder output, bool bmpOnly)
    {
        if (i + 1 >= p.Length) throw new FormatException("pattern ends with a lone backslash");
        char e = p[i + 1];
        switch (e)
        {
            case 'p' or 'P' or 's' or 'S' or 'd' or 'D' or 'w' or 'W':
                int next = ParseClassEscape(p, i, out var set);
                output.Append(set.ToRegex(bmpOnly));
                return next;
            case 'u' or 'x':
                int after = ParseCodePointEscape(p, i, out int cp);
                output.Append(cp < 0x10000 ? $"\\u{cp:X4}" : "(?:" + char.ConvertFromUtf32(cp) + ")");
                return after;
            case 'b' or 'B' or 't' or 'n' or 'r' or 'f' or 'v' or '0':
            case >= '1' and <= '9':
                output.Append('\\').Append(e);
                return i + 2;
            case 'k':
                output.Append("\\k");
                return i + 2;
            default:
                if (char.IsAsciiLetterOrDigit(e)) throw new FormatException($"the escape \\{e} is not supported");
                output.Append('\\').Append(e);
                return i + 2;
        }
    }

    // \p{..} \P{..} \s \S \d \D \w \W, at p[i] == '\\'.
    private static int ParseClassEscape(string p, int i, out CodePointSet set)
    {
        char e = p[i + 1];
        switch (e)
        {
            case 's': set = Whitespace(); return i + 2;
            case 'S': set = Whitespace().Complement(); return i + 2;
            case 'd': set = CodePointSet.Range('0', '9'); return i + 2;
            case 'D': set = CodePointSet.Range('0', '9').Complement(); return i + 2;
            case 'w': set = Word(); return i + 2;
            case 'W': set = Word().Complement(); return i + 2;
        }
        if (i + 2 >= p.Length || p[i + 2] != '{') throw new FormatException($"\\{e} must be followed by {{name}}");
        int close = p.IndexOf('}', i + 3);
        if (close < 0) throw new FormatException($"unterminated \\{e}{{");
        set = Property(p[(i + 3)..close]);
        if (e == 'P') set = set.Complement();
        return close + 1;
    }

    // \uXXXX (and a following \uXXXX low surrogate), \u{X..}, \xHH, \x{X..}, at p[i] == '\\'.
    private static int ParseCodePointEscape(string p, int i, out int cp)
    {
        char e = p[i + 1];
        int start = i + 2;
        if (start < p.Length && p[start] == '{')
        {
            int close = p.IndexOf('}', start);
            if (close < 0 || !int.TryParse(p.AsSpan(start + 1, close - start - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out cp)
                || cp > CodePointSet.MaxCodePoint)
                throw new FormatException($"bad \\{e}{{...}} escape");
            return close + 1;
        }
        int digits = e == 'u' ? 4 : 2;
        if (start + digits > p.Length || !int.TryParse(p.AsSpan(start, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out cp))
            throw new FormatException($"bad \\{e} escape");
        int end = start + digits;
        if (e == 'u' && cp is >= 0xD800 and <= 0xDBFF && end + 6 <= p.Length && p[end] == '\\' && p[end + 1] == 'u'
            && int.TryParse(p.AsSpan(end + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int low) && low is >= 0xDC00 and <= 0xDFFF)
        {
            cp = char.ConvertToUtf32((char)cp, (char)low);
            end += 6;
        }
        return end;
    }

    // A bracketed class at p[i] == '['.
    private static int ParseClass(string p, int i, out CodePointSet set)
    {
        int pos = i + 1;
        bool negate = pos < p.Length && p[pos] == '^';
        if (negate) pos++;
        set = CodePointSet.Empty;
        bool first = true;
        while (true)
        {
            if (pos >= p.Length) throw new FormatException("unterminated character class");
            if (p[pos] == ']' && !first) break;
            if (p[pos] == '[') throw new FormatException("nested character classes are not supported");
            first = false;
            pos = ParseClassAtom(p, pos, out int lo, out var atomSet);
            if (atomSet != null) { set = set.Union(atomSet); continue; }
            if (pos + 1 < p.Length && p[pos] == '-' && p[pos + 1] != ']')
            {
                pos = ParseClassAtom(p, pos + 1, out int hi, out var hiSet);
                if (hiSet != null || hi < lo) throw new FormatException("bad range in character class");
                set = set.Union(CodePointSet.Range(lo, hi));
            }
            else set = set.Union(CodePointSet.Range(lo, lo));
        }
        if (negate) set = set.Complement();
        return pos + 1;
    }

    // One code point (single) or a class escape (set) inside [...].
    private static int ParseClassAtom(string p, int pos, out int single, out CodePointSet? set)
    {
        set = null;
        single = -1;
        char c = p[pos];
        if (c != '\\')
        {
            single = CodePoints.At(p, pos, out int length);
            return pos + length;
        }
        if (pos + 1 >= p.Length) throw new FormatException("pattern ends with a lone backslash");
        char e = p[pos + 1];
        switch (e)
        {
            case 'p' or 'P' or 's' or 'S' or 'd' or 'D' or 'w' or 'W':
                int next = ParseClassEscape(p, pos, out var s);
                set = s;
                return next;
            case 'u' or 'x':
                return ParseCodePointEscape(p, pos, out single);
            case 't': single = '\t'; return pos + 2;
            case 'n': single = '\n'; return pos + 2;
            case 'r': single = '\r'; return pos + 2;
            case 'f': single = '\f'; return pos + 2;
            case 'v': single = '\v'; return pos + 2;
            case '0': single = 0; return pos + 2;
            case 'b': single = '\b'; return pos + 2;
            default:
                if (char.IsAsciiLetterOrDigit(e)) throw new FormatException($"the escape \\{e} is not supported in a character class");
                single = CodePoints.At(p, pos + 1, out int length);
                return pos + 1 + length;
        }
    }

    private static CodePointSet Whitespace() => Cached("\\s", () => CodePointSet.Of(CodePoints.JsWhitespace));

    private static CodePointSet Word() =>
        Cached("\\w", () => CodePointSet.Range('a', 'z').Union(CodePointSet.Range('A', 'Z')).Union(CodePointSet.Range('0', '9')).Union(CodePointSet.Range('_', '_')));

    private static CodePointSet Property(string name)
    {
        string key = name.StartsWith("General_Category=", StringComparison.Ordinal) ? name["General_Category=".Length..]
            : name.StartsWith("gc=", StringComparison.Ordinal) ? name[3..] : name;
        if (key == "White_Space") return Cached(key, () => CodePointSet.Of(CodePoints.JsWhitespace.Replace("\uFEFF", "") + "\u0085"));
        UnicodeCategory[]? categories = key switch
        {
            "L" or "Letter" => [UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter, UnicodeCategory.ModifierLetter, UnicodeCategory.OtherLetter],
            "LC" or "Cased_Letter" => [UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter],
            "Lu" or "Uppercase_Letter" => [UnicodeCategory.UppercaseLetter],
            "Ll" or "Lowercase_Letter" => [UnicodeCategory.LowercaseLetter],
            "Lt" or "Titlecase_Letter" => [UnicodeCategory.TitlecaseLetter],
            "Lm" or "Modifier_Letter" => [UnicodeCategory.ModifierLetter],
            "Lo" or "Other_Letter" => [UnicodeCategory.OtherLetter],
            "M" or "Mark" or "Combining_Mark" => [UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark],
            "Mn" or "Nonspacing_Mark" => [UnicodeCategory.NonSpacingMark],
            "Mc" or "Spacing_Mark" => [UnicodeCategory.SpacingCombiningMark],
            "Me" or "Enclosing_Mark" => [UnicodeCategory.EnclosingMark],
            "N" or "Number" => [UnicodeCategory.DecimalDigitNumber, UnicodeCategory.LetterNumber, UnicodeCategory.OtherNumber],
            "Nd" or "Decimal_Number" or "digit" => [UnicodeCategory.DecimalDigitNumber],
            "Nl" or "Letter_Number" => [UnicodeCategory.LetterNumber],
            "No" or "Other_Number" => [UnicodeCategory.OtherNumber],
            "P" or "Punctuation" or "punct" => [UnicodeCategory.ConnectorPunctuation, UnicodeCategory.DashPunctuation, UnicodeCategory.OpenPunctuation,
                UnicodeCategory.ClosePunctuation, UnicodeCategory.InitialQuotePunctuation, UnicodeCategory.FinalQuotePunctuation, UnicodeCategory.OtherPunctuation],
            "Pc" or "Connector_Punctuation" => [UnicodeCategory.ConnectorPunctuation],
            "Pd" or "Dash_Punctuation" => [UnicodeCategory.DashPunctuation],
            "Ps" or "Open_Punctuation" => [UnicodeCategory.OpenPunctuation],
            "Pe" or "Close_Punctuation" => [UnicodeCategory.ClosePunctuation],
            "Pi" or "Initial_Punctuation" => [UnicodeCategory.InitialQuotePunctuation],
            "Pf" or "Final_Punctuation" => [UnicodeCategory.FinalQuotePunctuation],
            "Po" or "Other_Punctuation" => [UnicodeCategory.OtherPunctuation],
            "S" or "Symbol" => [UnicodeCategory.MathSymbol, UnicodeCategory.CurrencySymbol, UnicodeCategory.ModifierSymbol, UnicodeCategory.OtherSymbol],
            "Sm" or "Math_Symbol" => [UnicodeCategory.MathSymbol],
            "Sc" or "Currency_Symbol" => [UnicodeCategory.CurrencySymbol],
            "Sk" or "Modifier_Symbol" => [UnicodeCategory.ModifierSymbol],
            "So" or "Other_Symbol" => [UnicodeCategory.OtherSymbol],
            "Z" or "Separator" => [UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator],
            "Zs" or "Space_Separator" => [UnicodeCategory.SpaceSeparator],
            "Zl" or "Line_Separator" => [UnicodeCategory.LineSeparator],
            "Zp" or "Paragraph_Separator" => [UnicodeCategory.ParagraphSeparator],
            "C" or "Other" => [UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.PrivateUse, UnicodeCategory.OtherNotAssigned],
            "Cc" or "Control" or "cntrl" => [UnicodeCategory.Control],
            "Cf" or "Format" => [UnicodeCategory.Format],
            "Co" or "Private_Use" => [UnicodeCategory.PrivateUse],
            "Cn" or "Unassigned" => [UnicodeCategory.OtherNotAssigned],
            _ => null,
        };
        if (categories == null) throw new FormatException($"the Unicode property \\p{{{name}}} is not supported (only general categories are)");
        return Cached(key, () => CodePointSet.OfCategories(categories));
    }

    private static CodePointSet Cached(string key, Func<CodePointSet> build)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out var set)) Cache[key] = set = build();
            return set;
        }
    }
}
