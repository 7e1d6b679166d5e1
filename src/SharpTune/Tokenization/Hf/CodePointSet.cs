using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Hf;

/// <summary>
/// A set of code points as sorted, disjoint, inclusive ranges; it writes itself as a .NET regex fragment that
/// matches one code point of the set in UTF-16 text (a surrogate pair counting as one).
/// </summary>
internal sealed class CodePointSet
{
    public const int MaxCodePoint = 0x10FFFF;
    private static readonly Lazy<byte[]> Categories = new(() =>
    {
        var table = new byte[MaxCodePoint + 1];
        for (int cp = 0; cp <= MaxCodePoint; cp++)
            table[cp] = cp is >= 0xD800 and <= 0xDFFF ? (byte)UnicodeCategory.Surrogate : (byte)CharUnicodeInfo.GetUnicodeCategory(cp);
        return table;
    });

    private readonly List<(int Lo, int Hi)> _ranges;

    private CodePointSet(List<(int, int)> ranges) => _ranges = ranges;

    public static CodePointSet Empty => new([]);

    public static CodePointSet Range(int lo, int hi) => new([(lo, hi)]);

    public static CodePointSet Of(string chars)
    {
        var set = Empty;
        foreach (var c in chars) set = set.Union(Range(c, c));
        return set;
    }

    /// <summary>Every code point whose general category is one of <paramref name="categories"/>.</summary>
    public static CodePointSet OfCategories(params UnicodeCategory[] categories)
    {
        var table = Categories.Value;
        var wanted = new bool[32];
        foreach (var c in categories) wanted[(int)c] = true;
        var ranges = new List<(int, int)>();
        int start = -1;
        for (int cp = 0; cp <= MaxCodePoint + 1; cp++)
        {
            bool inside = cp <= MaxCodePoint && wanted[table[cp]];
            if (inside && start < 0) start = cp;
            else if (!inside && start >= 0) { ranges.Add((start, cp - 1)); start = -1; }
        }
        return new CodePointSet(ranges);
    }

    public CodePointSet Union(CodePointSet other)
    {
        var all = _ranges.Concat(other._ranges).OrderBy(r => r.Lo).ToList();
        var merged = new List<(int, int)>();
        foreach (var (lo, hi) in all)
        {
            if (merged.Count > 0 && lo <= merged[^1].Item2 + 1)
                merged[^1] = (merged[^1].Item1, Math.Max(merged[^1].Item2, hi));
            else merged.Add((lo, hi));
        }
        return new CodePointSet(merged);
    }

    /// <summary>Everything not in the set (surrogate code points stay out: the text never holds lone ones).</summary>
    public CodePointSet Complement()
    {
        var result = new List<(int, int)>();
        int next = 0;
        foreach (var (lo, hi) in _ranges)
        {
            if (lo > next) result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxCodePoint) result.Add((next, MaxCodePoint));
        return new CodePointSet(result).Without(0xD800, 0xDFFF);
    }

    private CodePointSet Without(int lo, int hi)
    {
        var result = new List<(int, int)>();
        foreach (var (a, b) in _ranges)
        {
            if (b < lo || a > hi) { result.Add((a, b)); continue; }
            if (a < lo) result.Add((a, lo - 1));
            if (b > hi) result.Add((hi + 1, b));
        }
        return new CodePointSet(result);
    }

    /// <summary>
    /// A .NET regex fragment matching one code point of the set: a class for the BMP part, surrogate pairs for the rest
    /// (left out with <paramref name="bmpOnly"/>, for text known to hold no surrogates).
    /// </summary>
    public string ToRegex(bool bmpOnly)
    {
        var bmp = new StringBuilder();
        var astral = new List<string>();
        foreach (var (lo, hi) in Without(0xD800, 0xDFFF)._ranges)
        {
            if (lo <= 0xFFFF) AppendRange(bmp, lo, Math.Min(hi, 0xFFFF));
            if (hi > 0xFFFF && !bmpOnly) AddAstral(astral, Math.Max(lo, 0x10000), hi);
        }
        var parts = new List<string>();
        if (bmp.Length > 0) parts.Add("[" + bmp + "]");
        parts.AddRange(astral);
        return parts.Count switch
        {
            0 => "[^\\s\\S]",
            1 when astral.Count == 0 => parts[0],
            _ => "(?:" + string.Join("|", parts) + ")",
        };
    }

    private static void AppendRange(StringBuilder sb, int lo, int hi)
    {
        sb.Append($"\\u{lo:X4}");
        if (hi > lo) sb.Append($"-\\u{hi:X4}");
    }

    // Astral code points as high-surrogate / low-surrogate-range pairs, grouping full high-surrogate spans.
    private static void AddAstral(List<string> parts, int lo, int hi)
    {
        var (loHigh, loLow) = Split(lo);
        var (hiHigh, hiLow) = Split(hi);
        if (loHigh == hiHigh)
        {
            parts.Add($"\\u{loHigh:X4}[\\u{loLow:X4}-\\u{hiLow:X4}]");
            return;
        }
        int firstFull = loHigh, lastFull = hiHigh;
        if (loLow != 0xDC00) { parts.Add($"\\u{loHigh:X4}[\\u{loLow:X4}-\\uDFFF]"); firstFull++; }
        if (hiLow != 0xDFFF) { lastFull--; }
        if (firstFull <= lastFull) parts.Add($"[\\u{firstFull:X4}-\\u{lastFull:X4}][\\uDC00-\\uDFFF]");
        if (hiLow != 0xDFFF) parts.Add($"\\u{hiHigh:X4}[\\uDC00-\\u{hiLow:X4}]");
    }

    private static (int High, int Low) Split(int cp)
    {
        int v = cp - 0x10000;
        return (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
    }
}
