using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization.Hf;

namespace SharpTune.Tests.Tokenization;

/// <summary>Our normalization tables and lowercasing against JavaScript's (ICU's) on the corpus and on hard cases.</summary>
public sealed class UnicodeNormalizationTests
{
    private static readonly string[] Extra =
    [
        "\u1100\u1161\u11A8 \uAC00\u11A8 \u1100\u1161", "a\u0323\u0302 a\u0302\u0323 \u1E0B\u0323 q\u0307\u0323", "\u0344 \u0F73 \u2126 \u212B \u1E9B\u0323",
        "\uFB01\u00BD\u2460\u3392\u00B2 \uFF21", "\u00C5\u030A e\u0301\u0308 \u0958", "𝐀 \U0001D15E \U0001D160 \uD87E\uDC00", "ΣΑΣ Σ. ΌΣΟΣ' ΑΣ\u0301 İi",
    ];

    private static List<string> Texts() => File.ReadLines(PeerTokenizers.CorpusPath)
        .Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["text"]!).Concat(Extra).ToList();

    [Fact]
    public void Nfc_nfd_nfkc_nfkd_and_lowercase_match_javascript()
    {
        var texts = Texts();
        const string script = """
            const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(l => l.length > 0).map(l => JSON.parse(l));
            for (const t of lines) console.log(JSON.stringify([t.normalize("NFC"), t.normalize("NFD"), t.normalize("NFKC"), t.normalize("NFKD"), t.toLowerCase()]));
            """;
        var input = string.Join("\n", texts.Select(t => JsonSerializer.Serialize(t))) + "\n";
        var output = Peers.Run("node", ["-e", script], input).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(texts.Count, output.Length);
        var lower = new LowercaseNormalizer();
        for (int i = 0; i < texts.Count; i++)
        {
            var expected = JsonSerializer.Deserialize<string[]>(output[i])!;
            var t = texts[i];
            Assert.Equal(expected[0], UnicodeNormalization.Normalize(t, NormalizationKind.Nfc));
            Assert.Equal(expected[1], UnicodeNormalization.Normalize(t, NormalizationKind.Nfd));
            Assert.Equal(expected[2], UnicodeNormalization.Normalize(t, NormalizationKind.Nfkc));
            Assert.Equal(expected[3], UnicodeNormalization.Normalize(t, NormalizationKind.Nfkd));
            Assert.Equal(expected[4], lower.Normalize(t));
        }
    }

    [Fact]
    public void Text_the_form_cannot_change_comes_back_as_the_same_instance()
    {
        const string ascii = "plain ASCII text, nothing to do";
        Assert.Same(ascii, UnicodeNormalization.Normalize(ascii, NormalizationKind.Nfc));
        Assert.Same(ascii, UnicodeNormalization.Normalize(ascii, NormalizationKind.Nfkd));
        Assert.Equal("\u00E9", UnicodeNormalization.Normalize("e\u0301", NormalizationKind.Nfc));
        Assert.Equal("e\u0301", UnicodeNormalization.Normalize("\u00E9", NormalizationKind.Nfd));
    }
}
