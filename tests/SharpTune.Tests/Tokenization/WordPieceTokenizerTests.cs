using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Training;

namespace SharpTune.Tests.Tokenization;

/// <summary>
/// The WordPiece model, BertNormalizer and the BERT template against @lenml/tokenizers and Hugging Face's tokenizers:
/// the peers ship no BERT tokenizer, so one is learned here by our WordPieceTrainer from the shared corpus plus the
/// repository's example text, and every corpus line is encoded by all three.
/// </summary>
public sealed class WordPieceTokenizerTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "sharptune-wordpiece-" + Guid.NewGuid().ToString("N"));
    private readonly IReadOnlyList<string> corpus = new PeerTokenizers().Corpus;

    public WordPieceTokenizerTests()
    {
        var trainer = new WordPieceTrainer(900, 2, WordPieceTokenizerFiles.SpecialTokens);
        foreach (var text in corpus.Take(corpus.Count / 2)) trainer.AddText(text);
        trainer.AddText(File.ReadAllText(Path.Combine(Peers.RepoRoot, "examples", "data", "harbour.txt")));
        WordPieceTokenizerFiles.Write(folder, trainer.Train());
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Trained_vocabulary_has_the_specials_first_and_continuation_pieces()
    {
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer.json")))!["model"]!["vocab"]!.AsObject();
        Assert.Equal(900, vocab.Count);
        Assert.Equal(0, (int)vocab["[PAD]"]!);
        Assert.Equal(4, (int)vocab["[MASK]"]!);
        Assert.Contains(vocab, p => p.Key.StartsWith("##", StringComparison.Ordinal) && p.Key.Length > 3);
    }

    /// <summary>
    /// Ids equal Hugging Face's tokenizers (the Rust library transformers runs) on every line, and @lenml/tokenizers'
    /// wherever that peer agrees with HF: transformers.js lowercases a final capital sigma to ς where BertNormalizer
    /// maps characters one by one (σ), and misses CJK ideographs outside the BMP. Decoding equals @lenml's, which
    /// applies transformers' clean_up_tokenization to the whole string as Python's decode does (HF's Rust decoder
    /// alone cleans up token by token, so "i ' m" stays spaced there).
    /// </summary>
    [Fact]
    public void Ids_match_hugging_face_tokenizers_and_lenml_where_they_agree()
    {
        var tokenizer = HfTokenizer.Load(folder);
        var hf = PeerTokenizer.RunHf(folder, corpus).Results;
        var lenml = Peers.Run("node", ["encode.mjs", "compare", folder, PeerTokenizers.CorpusPath])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(corpus.Count, lenml.Count);
        var failures = new List<string>();
        int lenmlDeparts = 0;
        for (int i = 0; i < corpus.Count; i++)
        {
            var ours = tokenizer.Encode(corpus[i]);
            var plain = tokenizer.Encode(corpus[i], addSpecialTokens: false);
            if (!hf[i].Ids.SequenceEqual(ours) || !hf[i].PlainIds.SequenceEqual(plain))
                failures.Add($"line {i + 1} {JsonSerializer.Serialize(corpus[i])}:\n  hf   [{string.Join(",", hf[i].Ids)}]\n  ours [{string.Join(",", ours)}]");
            long[] with = Ids(lenml[i]["with"]!);
            if (!with.SequenceEqual(hf[i].Ids))
            {
                lenmlDeparts++;
                continue;
            }
            if ((string)lenml[i]["decoded_skip"]! != tokenizer.Decode(with, skipSpecialTokens: true) || (string)lenml[i]["decoded"]! != tokenizer.Decode(with, skipSpecialTokens: false))
                failures.Add($"line {i + 1}: decoded lenml {JsonSerializer.Serialize((string)lenml[i]["decoded_skip"]!)}, ours {JsonSerializer.Serialize(tokenizer.Decode(with))}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} lines differ:\n" + string.Join("\n", failures.Take(5)));
        Assert.InRange(lenmlDeparts, 0, 4);
        Assert.Contains(corpus.Select(t => tokenizer.Encode(t, false)), ids => ids.Contains(1)); // [UNK] is exercised
    }

    [Fact]
    public void Cuts_words_into_the_longest_pieces_from_the_left()
    {
        var vocab = new List<string>(WordPieceTokenizerFiles.SpecialTokens) { "un", "##aff", "##able", "aff", "##a", "##b", "a", "b", "!" };
        string dir = Path.Combine(folder, "hand");
        WordPieceTokenizerFiles.Write(dir, vocab);
        var tokenizer = HfTokenizer.Load(dir);
        Assert.Equal([2, 5, 6, 7, 13, 3], tokenizer.Encode("Unaffable!"));
        Assert.Equal([2, 1, 11, 3], tokenizer.Encode("unc a"));   // "unc" cannot be cut: the whole word is [UNK]
        Assert.Equal("unaffable!", tokenizer.Decode(tokenizer.Encode("Unaffable!")));
    }

    private static long[] Ids(JsonNode node) => node.AsArray().Select(n => (long)n!).ToArray();
}
