using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Python's <c>str</c> semantics on .NET strings: lengths and indices count code points (not UTF-16 units),
/// whitespace is Python's set, and split/strip/title/center behave as CPython's.
/// </summary>
internal static class PyText
{
    /// <summary>Python's <c>str.isspace</c> for one code point.</summary>
    public static bool IsSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0d or >= 0x1c and <= 0x20 or 0x85 or 0xa0 or 0x1680 => true,
        >= 0x2000 and <= 0x200a or 0x2028 or 0x2029 or 0x202f or 0x205f or 0x3000 => true,
        _ => false,
    };

    /// <summary>Python's <c>str.isprintable</c> for one code point: not a control, format, surrogate, private, unassigned or separator (space excepted).</summary>
    public static bool IsPrintable(int cp)
    {
        if (cp == ' ') return true;
        if (cp is >= 0xD800 and <= 0xDFFF) return false;
        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    public static bool HasSurrogates(string s)
    {
        foreach (char c in s) if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>The code points of <paramref name="s"/> as one-code-point strings (a lone surrogate stands alone).</summary>
    public static string[] Chars(string s)
    {
        var list = new List<string>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(s.Substring(i, 2));
                i++;
            }
            else list.Add(s[i].ToString());
        }
        return [.. list];
    }

    public static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else list.Add(s[i]);
        }
        return [.. list];
    }

    public static string FromCodePoints(IEnumerable<int> cps)
    {
        var sb = new StringBuilder();
        foreach (int cp in cps) AppendCodePoint(sb, cp);
        return sb.ToString();
    }

    public static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF || cp < 0x10000) sb.Append((char)cp);
        else sb.Append(char.ConvertFromUtf32(cp));
    }

    /// <summary>Python's <c>len(s)</c>.</summary>
    public static int Length(string s) => HasSurrogates(s) ? CodePoints(s).Length : s.Length;

    /// <summary>Compares by code point, as Python orders strings.</summary>
    public static int Compare(string a, string b)
    {
        if (!HasSurrogates(a) && !HasSurrogates(b)) return Math.Sign(string.CompareOrdinal(a, b));
        var x = CodePoints(a);
        var y = CodePoints(b);
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
            if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
        return x.Length.CompareTo(y.Length);
    }

    /// <summary>Python's <c>str.strip/lstrip/rstrip(chars)</c>; <paramref name="chars"/> null strips whitespace.</summary>
    public static string Strip(string s, string? chars, bool left, bool right)
    {
        var cps = CodePoints(s);
        HashSet<int>? set = chars == null ? null : [.. CodePoints(chars)];
        bool Strippable(int cp) => set == null ? IsSpace(cp) : set.Contains(cp);
        int start = 0, end = cps.Length;
        if (left) while (start < end && Strippable(cps[start])) start++;
        if (right) while (end > start && Strippable(cps[end - 1])) end--;
        if (start == 0 && end == cps.Length) return s;
        return FromCodePoints(cps[start..end]);
    }

    /// <summary>Python's <c>str.split(sep, maxsplit)</c>.</summary>
    public static List<string> Split(string s, string? sep, long maxsplit)
    {
        var parts = new List<string>();
        if (sep == null)
        {
            var cps = CodePoints(s);
            int i = 0;
            while (true)
            {
                while (i < cps.Length && IsSpace(cps[i])) i++;
                if (i >= cps.Length) break;
                if (maxsplit >= 0 && parts.Count >= maxsplit)
                {
                    parts.Add(FromCodePoints(cps[i..]));
                    break;
                }
                int j = i;
                while (j < cps.Length && !IsSpace(cps[j])) j++;
                parts.Add(FromCodePoints(cps[i..j]));
                i = j;
            }
            return parts;
        }
        if (sep.Length == 0) throw JinjaError.Value("empty separator");
        int pos = 0;
        while (maxsplit < 0 || parts.Count < maxsplit)
        {
            int k = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (k < 0) break;
            parts.Add(s[pos..k]);
            pos = k + sep.Length;
        }
        parts.Add(s[pos..]);
        return parts;
    }

    /// <summary>Python's <c>str.rsplit(sep, maxsplit)</c>.</summary>
    public static List<string> RSplit(string s, string? sep, long maxsplit)
    {
        var parts = new List<string>();
        if (sep == null)
        {
            var cps = CodePoints(s);
            int i = cps.Length;
            while (true)
            {
                while (i > 0 && IsSpace(cps[i - 1])) i--;
                if (i <= 0) break;
                if (maxsplit >= 0 && parts.Count >= maxsplit)
                {
                    parts.Add(FromCodePoints(cps[..i]));
                    break;
                }
                int j = i;
                while (j > 0 && !IsSpace(cps[j - 1])) j--;
                parts.Add(FromCodePoints(cps[j..i]));
                i = j;
            }
            parts.Reverse();
            return parts;
        }
        if (sep.Length == 0) throw JinjaError.Value("empty separator");
        int end = s.Length;
        while (maxsplit < 0 || parts.Count < maxsplit)
        {
            if (end < sep.Length) break;
            int k = s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
            if (k < 0) break;
            parts.Add(s[(k + sep.Length)..end]);
            end = k;
        }
        parts.Add(s[..end]);
        parts.Reverse();
        return parts;
    }

    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';

    /// <summary>Python's <c>str.splitlines(keepends)</c>.</summary>
    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        int start = 0, i = 0;
        while (i < s.Length)
        {
            if (!IsLineBreak(s[i]))
            {
                i++;
                continue;
            }
            int eol = i;
            i += s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
            lines.Add(keepEnds ? s[start..i] : s[start..eol]);
            start = i;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    private static bool IsCased(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    public static string Upper(string s) => s.ToUpperInvariant();

    public static string Lower(string s) => s.ToLowerInvariant();

    private static string CpString(int cp) => cp is >= 0xD800 and <= 0xDFFF ? ((char)cp).ToString() : char.ConvertFromUtf32(cp);

    /// <summary>Python's <c>str.title()</c>: a letter after a cased letter is lowered, any other is raised.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (int cp in CodePoints(s))
        {
            var one = CpString(cp);
            sb.Append(previousCased ? one.ToLowerInvariant() : one.ToUpperInvariant());
            previousCased = IsCased(cp);
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>: the first character raised, the rest lowered.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        var cps = CodePoints(s);
        return CpString(cps[0]).ToUpperInvariant() + FromCodePoints(cps[1..]).ToLowerInvariant();
    }

    public static string SwapCase(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (int cp in CodePoints(s))
        {
            var one = CpString(cp);
            var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
            sb.Append(cat == UnicodeCategory.UppercaseLetter ? one.ToLowerInvariant()
                : cat == UnicodeCategory.LowercaseLetter ? one.ToUpperInvariant() : one);
        }
        return sb.ToString();
    }

    public static bool IsUpper(string s) => HasCasedAll(s, UnicodeCategory.LowercaseLetter);

    public static bool IsLower(string s) => HasCasedAll(s, UnicodeCategory.UppercaseLetter, UnicodeCategory.TitlecaseLetter);

    private static bool HasCasedAll(string s, params UnicodeCategory[] forbidden)
    {
        bool cased = false;
        foreach (int cp in CodePoints(s))
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
            if (forbidden.Contains(cat)) return false;
            if (IsCased(cp)) cased = true;
        }
        return cased;
    }

    public static bool IsTitle(string s)
    {
        bool cased = false, previousCased = false;
        foreach (int cp in CodePoints(s))
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
            if (cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter)
            {
                if (previousCased) return false;
                previousCased = cased = true;
            }
            else if (cat == UnicodeCategory.LowercaseLetter)
            {
                if (!previousCased) return false;
                previousCased = cased = true;
            }
            else previousCased = false;
        }
        return cased;
    }

    public static bool IsAlpha(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    public static bool IsDecimal(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.DecimalDigitNumber;

    public static bool IsDigit(int cp) => IsDecimal(cp)
        || (CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.OtherNumber && CharUnicodeInfo.GetDecimalDigitValue(CpString(cp), 0) >= 0);

    public static bool IsNumeric(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    public static bool IsAlnum(int cp) => IsAlpha(cp) || IsDecimal(cp) || IsDigit(cp) || IsNumeric(cp);

    /// <summary>True when <paramref name="s"/> is non-empty and every code point passes <paramref name="test"/> (Python's <c>isalpha</c> etc.).</summary>
    public static bool All(string s, Func<int, bool> test)
    {
        var cps = CodePoints(s);
        return cps.Length > 0 && cps.All(test);
    }

    /// <summary>Python's <c>str.center(width, fill)</c>, which puts the odd extra space on the left when the width is odd.</summary>
    public static string Center(string s, long width, string fill = " ")
    {
        int len = Length(s);
        if (width <= len) return s;
        long marg = width - len;
        long left = marg / 2 + (marg & width & 1);
        return Repeat(fill, left) + s + Repeat(fill, marg - left);
    }

    public static string LJust(string s, long width, string fill = " ") => s + Repeat(fill, width - Length(s));

    public static string RJust(string s, long width, string fill = " ") => Repeat(fill, width - Length(s)) + s;

    public static string ZFill(string s, long width)
    {
        long pad = width - Length(s);
        if (pad <= 0) return s;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-')) return s[0] + new string('0', Limits.CheckString(pad)) + s[1..];
        return new string('0', Limits.CheckString(pad)) + s;
    }

    public static string Repeat(string s, long count)
    {
        if (count <= 0 || s.Length == 0) return "";
        Limits.CheckString(s.Length * count);
        var sb = new StringBuilder(s.Length * (int)count);
        for (long i = 0; i < count; i++) sb.Append(s);
        return sb.ToString();
    }

    /// <summary>Python's <c>str.replace(old, new, count)</c>, including the empty <paramref name="old"/> case.</summary>
    public static string Replace(string s, string old, string replacement, long count = -1)
    {
        if (count == 0) return s;
        var sb = new StringBuilder();
        long done = 0;
        if (old.Length == 0)
        {
            var chars = Chars(s);
            foreach (var c in chars)
            {
                if (count < 0 || done < count) { sb.Append(replacement); done++; }
                sb.Append(c);
                Limits.CheckString(sb.Length);
            }
            if (count < 0 || done < count) sb.Append(replacement);
            return sb.ToString();
        }
        int pos = 0;
        while (count < 0 || done < count)
        {
            int k = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (k < 0) break;
            sb.Append(s, pos, k - pos).Append(replacement);
            Limits.CheckString(sb.Length);
            pos = k + old.Length;
            done++;
        }
        sb.Append(s, pos, s.Length - pos);
        return sb.ToString();
    }

    /// <summary>The UTF-16 offset of code point <paramref name="cpIndex"/> (clamped to the ends).</summary>
    public static int ToUtf16Index(string s, long cpIndex)
    {
        if (cpIndex <= 0) return 0;
        if (!HasSurrogates(s)) return (int)Math.Min(cpIndex, s.Length);
        int i = 0;
        for (long n = 0; n < cpIndex && i < s.Length; n++)
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return i;
    }

    /// <summary>The code point index of UTF-16 offset <paramref name="utf16Index"/>.</summary>
    public static int ToCodePointIndex(string s, int utf16Index)
    {
        if (!HasSurrogates(s)) return utf16Index;
        int n = 0;
        for (int i = 0; i < utf16Index; i++, n++)
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
        return n;
    }

    /// <summary>Python's slice bounds: (start, end) in code points from optional, possibly negative, values.</summary>
    public static (int Start, int End) Bounds(string s, object? start, object? end)
    {
        int len = Length(s);
        static int Norm(object? v, int len, int fallback)
        {
            if (v is null) return fallback;
            long x = PyTypes.IsInteger(v) ? PyTypes.AsLong(v) : throw JinjaError.Type("slice indices must be integers or None");
            if (x < 0) x = Math.Max(0, x + len);
            return (int)Math.Min(x, len);
        }
        return (Norm(start, len, 0), Norm(end, len, len));
    }

    /// <summary>Python's <c>str.find</c>/<c>rfind</c> with optional start and end.</summary>
    public static long Find(string s, string sub, object? start, object? end, bool fromRight)
    {
        var (a, b) = Bounds(s, start, end);
        if (b - a < Length(sub)) return -1;
        int ua = ToUtf16Index(s, a), ub = ToUtf16Index(s, b);
        var window = s[ua..ub];
        int k = fromRight ? window.LastIndexOf(sub, StringComparison.Ordinal) : window.IndexOf(sub, StringComparison.Ordinal);
        return k < 0 ? -1 : ToCodePointIndex(s, ua + k);
    }

    /// <summary>Python's <c>str.count(sub, start, end)</c>: non-overlapping occurrences.</summary>
    public static long Count(string s, string sub, object? start, object? end)
    {
        var (a, b) = Bounds(s, start, end);
        if (b < a) return 0;
        if (sub.Length == 0) return b - a + 1;
        var window = s[ToUtf16Index(s, a)..ToUtf16Index(s, b)];
        long n = 0;
        for (int k = window.IndexOf(sub, StringComparison.Ordinal); k >= 0; k = window.IndexOf(sub, k + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Python's <c>\w+</c> word count (letters, digits and underscore runs).</summary>
    public static long WordCount(string s)
    {
        long n = 0;
        bool inWord = false;
        foreach (int cp in CodePoints(s))
        {
            bool w = cp == '_' || IsAlnum(cp);
            if (w && !inWord) n++;
            inWord = w;
        }
        return n;
    }
}
