namespace SharpTune.Tokenization.Hf;

/// <summary>
/// Hand-written matchers for the pre-tokenizer regexes most tokenizers use (GPT-2's, and the cl100k-style one of
/// Llama 3 and Qwen), several times faster than a regex. They follow the regexes' own alternation order and
/// backtracking exactly; tests check them against the translated regexes on the corpus.
/// </summary>
internal static class KnownPatterns
{
    /// <summary>GPT-2's pattern (the ByteLevel pre-tokenizer's built-in one).</summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Llama 3's pattern (cl100k-style, numbers in groups of up to three).</summary>
    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen 2/3's pattern (as Llama 3's, digits one by one).</summary>
    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>DeepSeek V3's first split: numbers in groups of up to three.</summary>
    public const string NumberGroups = @"\p{N}{1,3}";

    /// <summary>DeepSeek V3's second split: runs of common CJK ideographs, hiragana and katakana.</summary>
    public const string CjkRuns = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";

    /// <summary>DeepSeek V3's word split (the line breaks in its classes are literal characters, as in the file).</summary>
    public const string DeepSeekWords = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

    /// <summary>The hand-written matcher for <paramref name="regex"/>, or null when it is not a known one.</summary>
    public static SplitPattern? TryGet(string regex) => regex switch
    {
        Gpt2 => new Gpt2Pattern(),
        Llama3 => new Cl100kPattern(3),
        Qwen2 => new Cl100kPattern(1),
        NumberGroups => new NumberGroupsPattern(),
        CjkRuns => new ClassPattern(cp => cp is (>= 0x4E00 and <= 0x9FA5) or (>= 0x3040 and <= 0x309F) or (>= 0x30A0 and <= 0x30FF), runs: true),
        DeepSeekWords => new DeepSeekWordsPattern(),
        _ => null,
    };

    private static bool IsOther(CharClass c) => (c & (CharClass.Letter | CharClass.Number | CharClass.Space)) == 0;

    // Length of the run of code points from i whose class has any bit of `want`.
    private static int RunOf(ReadOnlySpan<char> s, int i, CharClass want)
    {
        int j = i;
        while (j < s.Length)
        {
            int cp = CodePoints.At(s, j, out int len);
            if ((CodePoints.ClassOf(cp) & want) == 0) break;
            j += len;
        }
        return j - i;
    }

    private static int RunOfOther(ReadOnlySpan<char> s, int i)
    {
        int j = i;
        while (j < s.Length)
        {
            int cp = CodePoints.At(s, j, out int len);
            if (!IsOther(CodePoints.ClassOf(cp))) break;
            j += len;
        }
        return j - i;
    }

    // \s+(?!\S)|\s+ at a whitespace character: the run, less its last character when a non-space follows.
    private static int Whitespace(ReadOnlySpan<char> s, int i)
    {
        int run = RunOf(s, i, CharClass.Space);
        return i + run < s.Length && run >= 2 ? run - 1 : run;
    }

    // 's|'t|'re|'ve|'m|'ll|'d at an apostrophe; 0 when none follows.
    private static int Contraction(ReadOnlySpan<char> s, int i, bool ignoreCase)
    {
        if (i + 1 >= s.Length) return 0;
        char a = s[i + 1], b = i + 2 < s.Length ? s[i + 2] : '\0';
        if (ignoreCase)
        {
            if (char.IsAsciiLetterUpper(a)) a = (char)(a | 0x20);
            if (char.IsAsciiLetterUpper(b)) b = (char)(b | 0x20);
        }
        return a switch
        {
            's' or 't' or 'm' or 'd' => 2,
            'r' or 'v' when b == 'e' => 3,
            'l' when b == 'l' => 3,
            _ => 0,
        };
    }

    private sealed class Gpt2Pattern : SplitPattern
    {
        public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
        {
            var s = text.AsSpan(start, length);
            int i = 0;
            while (i < s.Length)
            {
                int n = Next(s, i);
                matches.Add((start + i, start + i + n));
                i += n;
            }
        }

        private static int Next(ReadOnlySpan<char> s, int i)
        {
            int cp = CodePoints.At(s, i, out int len);
            if (cp == '\'' && Contraction(s, i, ignoreCase: false) is > 0 and var c) return c;
            var cls = CodePoints.ClassOf(cp);
            if (cp == ' ' && i + 1 < s.Length)
            {
                var next = CodePoints.ClassOf(CodePoints.At(s, i + 1, out _));
                if ((next & CharClass.Letter) != 0) return 1 + RunOf(s, i + 1, CharClass.Letter);
                if ((next & CharClass.Number) != 0) return 1 + RunOf(s, i + 1, CharClass.Number);
                if (IsOther(next)) return 1 + RunOfOther(s, i + 1);
            }
            if ((cls & CharClass.Letter) != 0) return RunOf(s, i, CharClass.Letter);
            if ((cls & CharClass.Number) != 0) return RunOf(s, i, CharClass.Number);
            if (IsOther(cls)) return RunOfOther(s, i);
            return Whitespace(s, i);
        }
    }

    private sealed class Cl100kPattern(int maxDigits) : SplitPattern
    {
        public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
        {
            var s = text.AsSpan(start, length);
            int i = 0;
            while (i < s.Length)
            {
                int n = Next(s, i);
                matches.Add((start + i, start + i + n));
                i += n;
            }
        }

        private int Next(ReadOnlySpan<char> s, int i)
        {
            int cp = CodePoints.At(s, i, out int len);
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if (cp == '\'' && Contraction(s, i, ignoreCase: true) is > 0 and var c) return c;
            var cls = CodePoints.ClassOf(cp);
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if ((cls & CharClass.Letter) != 0) return RunOf(s, i, CharClass.Letter);
            if (cp != '\r' && cp != '\n' && (cls & CharClass.Number) == 0 && i + len < s.Length)
            {
                var next = CodePoints.ClassOf(CodePoints.At(s, i + len, out _));
                if ((next & CharClass.Letter) != 0) return len + RunOf(s, i + len, CharClass.Letter);
            }
            // \p{N}{1,max}
            if ((cls & CharClass.Number) != 0)
            {
                int j = i;
                for (int k = 0; k < maxDigits && j < s.Length; k++)
                {
                    int d = CodePoints.At(s, j, out int dl);
                    if ((CodePoints.ClassOf(d) & CharClass.Number) == 0) break;
                    j += dl;
                }
                return j - i;
            }
            // " ?[^\s\p{L}\p{N}]+[\r\n]*"
            int other = 0;
            if (cp == ' ' && i + 1 < s.Length && IsOther(CodePoints.ClassOf(CodePoints.At(s, i + 1, out _)))) other = 1 + RunOfOther(s, i + 1);
            else if (IsOther(cls)) other = RunOfOther(s, i);
            if (other > 0)
            {
                int j = i + other;
                while (j < s.Length && s[j] is '\r' or '\n') j++;
                return j - i;
            }
            // \s*[\r\n]+ : up to the last line break of the whitespace run
            int run = RunOf(s, i, CharClass.Space);
            for (int k = i + run - 1; k >= i; k--)
                if (s[k] is '\r' or '\n') return k + 1 - i;
            // \s+(?!\S)|\s+
            return i + run < s.Length && run >= 2 ? run - 1 : run;
        }
    }

    private sealed class NumberGroupsPattern : SplitPattern
    {
        public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
        {
            var s = text.AsSpan(start, length);
            int i = 0;
            while (i < s.Length)
            {
                int cp = CodePoints.At(s, i, out int len);
                if ((CodePoints.ClassOf(cp) & CharClass.Number) == 0) { i += len; continue; }
                int j = i + len;
                for (int k = 1; k < 3 && j < s.Length; k++)
                {
                    int d = CodePoints.At(s, j, out int dl);
                    if ((CodePoints.ClassOf(d) & CharClass.Number) == 0) break;
                    j += dl;
                }
                matches.Add((start + i, start + j));
                i = j;
            }
        }
    }

    private sealed class DeepSeekWordsPattern : SplitPattern
    {
        private const CharClass LetterOrMark = CharClass.Letter | CharClass.Mark;
        private const CharClass PunctOrSymbol = CharClass.Punctuation | CharClass.Symbol;

        public override void FindMatches(string text, int start, int length, List<(int Start, int End)> matches)
        {
            var s = text.AsSpan(start, length);
            int i = 0;
            while (i < s.Length)
            {
                int n = Next(s, i);
                if (n > 0)
                {
                    matches.Add((start + i, start + i + n));
                    i += n;
                }
                else
                {
                    CodePoints.At(s, i, out int len); // no alternative matches here: the character stays between matches
                    i += len;
                }
            }
        }

        private static int Next(ReadOnlySpan<char> s, int i)
        {
            int cp = CodePoints.At(s, i, out int len);
            var cls = CodePoints.ClassOf(cp);
            // [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+
            if (cp is > 0x20 and < 0x7F && !char.IsAsciiLetterOrDigit((char)cp) && i + 1 < s.Length && char.IsAsciiLetter(s[i + 1]))
            {
                int j = i + 1;
                while (j < s.Length && char.IsAsciiLetter(s[j])) j++;
                return j - i;
            }
            // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
            if ((cls & LetterOrMark) != 0) return RunOf(s, i, LetterOrMark);
            if (cp != '\r' && cp != '\n' && (cls & (CharClass.Letter | PunctOrSymbol)) == 0 && i + len < s.Length
                && (CodePoints.ClassOf(CodePoints.At(s, i + len, out _)) & LetterOrMark) != 0)
                return len + RunOf(s, i + len, LetterOrMark);
            // " ?[\p{P}\p{S}]+[\r\n]*"
            int run = 0;
            if (cp == ' ' && i + 1 < s.Length && (CodePoints.ClassOf(CodePoints.At(s, i + 1, out _)) & PunctOrSymbol) != 0) run = 1 + RunOf(s, i + 1, PunctOrSymbol);
            else if ((cls & PunctOrSymbol) != 0) run = RunOf(s, i, PunctOrSymbol);
            if (run > 0)
            {
                int j = i + run;
                while (j < s.Length && s[j] is '\r' or '\n') j++;
                return j - i;
            }
            if ((cls & CharClass.Space) == 0) return 0;
            // \s*[\r\n]+ : up to the last line break of the whitespace run
            int spaces = RunOf(s, i, CharClass.Space);
            for (int k = i + spaces - 1; k >= i; k--)
                if (s[k] is '\r' or '\n') return k + 1 - i;
            // \s+(?!\S)|\s+
            return i + spaces < s.Length && spaces >= 2 ? spaces - 1 : spaces;
        }
    }
}
