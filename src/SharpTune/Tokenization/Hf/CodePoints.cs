using System.Globalization;
using System.Runtime.CompilerServices;

namespace SharpTune.Tokenization.Hf;

/// <summary>Character classes the pre-tokenizer patterns use, per code point (not per UTF-16 unit).</summary>
[Flags]
internal enum CharClass : byte
{
    None = 0,
    /// <summary><c>\p{L}</c>.</summary>
    Letter = 1,
    /// <summary><c>\p{N}</c>.</summary>
    Number = 2,
    /// <summary>JavaScript's <c>\s</c>: White_Space plus U+FEFF, without U+0085.</summary>
    Space = 4,
    /// <summary><c>\p{M}</c>.</summary>
    Mark = 8,
    /// <summary><c>\p{P}</c>.</summary>
    Punctuation = 16,
    /// <summary><c>\p{S}</c>.</summary>
    Symbol = 32,
}

/// <summary>
/// Code-point helpers. The reference tokenizers run their regexes in Unicode mode (JavaScript's <c>u</c> flag, Rust),
/// where a surrogate pair is one character with the pair's category; these helpers read text the same way.
/// </summary>
internal static class CodePoints
{
    /// <summary>The characters JavaScript's <c>\s</c> matches (ECMAScript WhiteSpace and LineTerminator).</summary>
    public const string JsWhitespace = "\t\n\v\f\r \u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";

    private static readonly CharClass[] Bmp = BuildBmp();

    /// <summary>The classes of <paramref name="cp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CharClass ClassOf(int cp) => cp < 0x10000 ? Bmp[cp] : FromCategory(CharUnicodeInfo.GetUnicodeCategory(cp));

    /// <summary>Reads the code point at <paramref name="i"/>; <paramref name="length"/> is 2 for a surrogate pair, else 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int At(ReadOnlySpan<char> s, int i, out int length)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        length = 1;
        return c;
    }

    /// <summary>Replaces unpaired surrogates with U+FFFD (what UTF-8 encoders do), so later stages see only whole code points.</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int i = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0) return text;
        char[]? copy = null;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            copy ??= text.ToCharArray();
            copy[i] = '\uFFFD';
        }
        return copy == null ? text : new string(copy);
    }

    /// <summary>The classes of a general category.</summary>
    public static CharClass FromCategory(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CharClass.Mark,
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation => CharClass.Punctuation,
        UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
            or UnicodeCategory.OtherSymbol => CharClass.Symbol,
        _ => CharClass.None,
    };

    private static CharClass[] BuildBmp()
    {
        var table = new CharClass[0x10000];
        for (int c = 0; c < 0x10000; c++) table[c] = FromCategory(CharUnicodeInfo.GetUnicodeCategory((char)c));
        foreach (var c in JsWhitespace) table[c] |= CharClass.Space;
        return table;
    }
}
