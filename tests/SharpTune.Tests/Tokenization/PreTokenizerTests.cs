using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpTune.Tokenization.Hf;

namespace SharpTune.Tests.Tokenization;

public sealed class PreTokenizerTests
{
    private static readonly IReadOnlyList<string> Corpus = File.ReadLines(PeerTokenizers.CorpusPath)
        .Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["text"]!)
        .Concat([
            "'S 'T 'RE 'Ve 'mL 'LL 'D 'x ' 's", "a\r\n\r\n b", " \r\n x", "  \n  ", "x  ", "x \t y", "1234567 12 1", "😀😀 x😀 😀x",
            "𝐀𝐁 𝟙𝟚𝟛𝟜 a𝟙", "\u00a0\u3000x\ufeff\u0085y", "中文ひらがなカタカナ한국어", ".com (x) «a» -b --c", "e\u0301\u0301x \u0301a",
        ]).ToList();

    public static TheoryData<string> KnownRegexes() =>
    [
        KnownPatterns.Gpt2, KnownPatterns.Llama3, KnownPatterns.Qwen2, KnownPatterns.NumberGroups, KnownPatterns.CjkRuns, KnownPatterns.DeepSeekWords,
    ];

    [Theory]
    [MemberData(nameof(KnownRegexes))]
    public void Hand_written_matchers_agree_with_the_translated_regex(string regex)
    {
        var fast = KnownPatterns.TryGet(regex);
        Assert.NotNull(fast);
        var full = new Regex(JsRegexTranslator.Translate(regex), RegexOptions.CultureInvariant);
        var bmp = new RegexPattern(regex);
        foreach (var text in Corpus)
        {
            var expected = full.Matches(text).Where(m => m.Length > 0).Select(m => (m.Index, m.Index + m.Length)).ToList();
            var got = new List<(int Start, int End)>();
            fast.FindMatches(text, 0, text.Length, got);
            Assert.True(expected.SequenceEqual(got), $"{regex} on {text}: [{string.Join(",", expected)}] vs hand-written [{string.Join(",", got)}]");
            got.Clear();
            bmp.FindMatches(text, 0, text.Length, got);
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void Translated_classes_treat_a_surrogate_pair_as_one_character()
    {
        var letters = new Regex(JsRegexTranslator.Translate(@"\p{L}+"));
        Assert.Equal("𝐀𝐁a", letters.Match("1𝐀𝐁a😀").Value);
        var other = new Regex(JsRegexTranslator.Translate(@"[^\s\p{L}\p{N}]+"));
        Assert.Equal("😀!👍🏽", other.Match("ab😀!👍🏽 cd").Value);
        var numbers = new Regex(JsRegexTranslator.Translate(@"\p{N}{1,3}"));
        Assert.Equal(["𝟙𝟚𝟛", "𝟜"], numbers.Matches("𝟙𝟚𝟛𝟜").Select(m => m.Value));
        Assert.Matches(new Regex("^" + JsRegexTranslator.Translate(@"\s") + "$"), "\ufeff");
        Assert.DoesNotMatch(new Regex("^" + JsRegexTranslator.Translate(@"\s") + "$"), "\u0085");
        Assert.Throws<FormatException>(() => JsRegexTranslator.Translate(@"\p{Han}"));
    }

    [Theory]
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    [InlineData("Contiguous", "the|-|final|--|countdown")]
    public void Split_behaviours_follow_the_tokenizers_documentation(string behavior, string expected)
    {
        var output = new List<Piece>();
        new SplitPreTokenizer(new LiteralPattern("-"), Enum.Parse<SplitBehavior>(behavior), invert: false)
            .PreTokenize([Piece.Whole("the-final--countdown", true)], output, new PreTokenizeScratch());
        Assert.Equal(expected, string.Join("|", output.Select(p => p.Span.ToString())));
    }

    [Fact]
    public void Inverted_split_keeps_the_matches_as_the_pieces()
    {
        var output = new List<Piece>();
        new SplitPreTokenizer(new RegexPattern(@"\p{L}+"), SplitBehavior.Removed, invert: true)
            .PreTokenize([Piece.Whole("ab, cd!", true)], output, new PreTokenizeScratch());
        Assert.Equal("ab|cd", string.Join("|", output.Select(p => p.Span.ToString())));
    }

    [Theory]
    [InlineData("Always", true, true, "▁Hey|▁friend!|▁|▁how")]
    [InlineData("Always", false, true, "▁Hey▁friend!▁▁how")]
    [InlineData("Never", true, true, "Hey|▁friend!|▁|▁how")]
    [InlineData("First", true, false, "Hey|▁friend!|▁|▁how")]
    [InlineData("First", true, true, "▁Hey|▁friend!|▁|▁how")]
    public void Metaspace_replaces_spaces_and_splits_before_them(string scheme, bool split, bool atStart, string expected)
    {
        var output = new List<Piece>();
        new MetaspacePreTokenizer("▁", Enum.Parse<PrependScheme>(scheme), split).PreTokenize([Piece.Whole("Hey friend!  how", atStart)], output, new PreTokenizeScratch());
        Assert.Equal(expected, string.Join("|", output.Select(p => p.Span.ToString())));
    }

    [Theory]
    [InlineData("Digits", false, "Call |911| now|123")]
    [InlineData("Digits", true, "Call |9|1|1| now|1|2|3")]
    [InlineData("Whitespace", false, "Hello|,|wörld|!|a_b1|...")]
    [InlineData("WhitespaceSplit", false, "Hello,|wörld!|a_b1...")]
    [InlineData("Punctuation", false, "Hello|,| wörld|!| a|_|b1|.|.|.")]
    [InlineData("Bert", false, "Hello|,|wörld|!|a|_|b1|.|.|.")]
    public void Simple_pre_tokenizers_split_as_in_tokenizers(string kind, bool individual, string expected)
    {
        PreTokenizer pre = kind switch
        {
            "Digits" => new DigitsPreTokenizer(individual),
            "Whitespace" => new WhitespacePreTokenizer(),
            "WhitespaceSplit" => new WhitespaceSplitPreTokenizer(),
            "Punctuation" => new PunctuationPreTokenizer(SplitBehavior.Isolated),
            _ => new BertPreTokenizer(),
        };
        string text = kind == "Digits" ? "Call 911 now123" : "Hello, wörld! a_b1...";
        var output = new List<Piece>();
        pre.PreTokenize([Piece.Whole(text, true)], output, new PreTokenizeScratch());
        Assert.Equal(expected, string.Join("|", output.Select(p => p.Span.ToString())));
    }

    [Fact]
    public void Byte_level_adds_a_prefix_space_and_writes_bytes_in_the_alphabet()
    {
        var output = new List<Piece>();
        new ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true).PreTokenize([Piece.Whole("Hi é!", true)], output, new PreTokenizeScratch());
        Assert.Equal("ĠHi|ĠÃ©|!", string.Join("|", output.Select(p => p.Span.ToString())));
    }
}
