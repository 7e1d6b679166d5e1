using SharpTune.Tokenization;
using SharpTune.Tokenization.Training;

namespace SharpTune.Tests.Tokenization;

public sealed class BpeTrainerTests
{
    private static readonly string[] Specials = ["<|bos|>", "<|eos|>"];

    private static TrainedBpe Train(IEnumerable<string> texts, int vocabSize, long minFrequency = 2, string[]? specials = null, int? maxTokenLength = null)
    {
        var trainer = new BpeTrainer(new BpeTrainerOptions
        {
            VocabSize = vocabSize,
            MinFrequency = minFrequency,
            SpecialTokens = specials ?? Specials,
            MaxTokenLength = maxTokenLength,
        });
        foreach (var text in texts) trainer.AddText(text);
        return trainer.Train();
    }

    private static int Id(TrainedBpe model, string token) => model.Vocab.ToList().IndexOf(token);

    [Fact]
    public void Hand_checked_corpus_gives_the_expected_merges()
    {
        // Pieces: "hug", " hug" x2, " pug", " pun". Pair counts: ug 4, hu 3, Ġh 2, Ġp 2, pu 2, un 1.
        // 1. u+g (4)  2. h+ug (3)  3. Ġ+p and Ġ+hug tie at 2: the smaller right id wins, byte 'p' before merged 'hug'
        // 4. Ġ+hug (2); then every pair left occurs once, below min frequency 2.
        var model = Train(["hug hug hug pug pun"], vocabSize: 1000);
        Assert.Equal(["u g", "h ug", "Ġ p", "Ġ hug"], model.Merges.Select(m => m.Left + " " + m.Right));
        Assert.Equal(2 + 256 + 4, model.Vocab.Count);
        Assert.Equal(["ug", "hug", "Ġp", "Ġhug"], model.Vocab.Skip(258));
        Assert.Contains("min frequency", model.StopReason);
        Assert.Equal(19, model.TrainingBytes);
        Assert.Equal(1 + 1 + 1 + 2 + 3, model.TrainingTokens); // hug | Ġhug | Ġhug | Ġp ug | Ġp u n
        Assert.Equal(5, model.TrainingWords);
        Assert.Equal(4, model.DistinctWords);
    }

    [Fact]
    public void Ties_go_to_the_smaller_left_then_right_id_and_training_stops_when_pairs_run_out()
    {
        // As above, then with min frequency 1: Ġp+ug, Ġp+u, u+n all occur once; u+n has the smallest left id
        // (a byte), then Ġp+ug beats Ġp+un by right id (ug was learned first), then Ġp+un; nothing is left.
        var model = Train(["hug hug hug pug pun"], vocabSize: 1000, minFrequency: 1);
        Assert.Equal(["u g", "h ug", "Ġ p", "Ġ hug", "u n", "Ġp ug", "Ġp un"], model.Merges.Select(m => m.Left + " " + m.Right));
        Assert.Equal(2 + 256 + 7, model.Vocab.Count);
        Assert.Contains("no pair left", model.StopReason);
        Assert.Equal(5, model.TrainingTokens);
    }

    [Fact]
    public void Reaches_the_requested_vocab_size_exactly_with_consistent_merges()
    {
        var model = Train(TrainingCorpus.Documents(seed: 1, count: 40, words: 300), vocabSize: 700);
        Assert.Null(model.StopReason);
        Assert.Equal(700, model.Vocab.Count);
        Assert.Equal(Specials, model.Vocab.Take(2));
        var bytes = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharFor((byte)b).ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(bytes, model.Vocab.Skip(2).Take(256));
        Assert.Equal(700, model.Vocab.Distinct().Count());

        // Each merge joins two tokens that existed before it, and its result is in the vocabulary after them.
        var known = new HashSet<string>(model.Vocab.Take(258));
        foreach (var merge in model.Merges)
        {
            Assert.Contains(merge.Left, known);
            Assert.Contains(merge.Right, known);
            int id = Id(model, merge.Result);
            Assert.True(id > Id(model, merge.Left) && id > Id(model, merge.Right), $"{merge} result id {id}");
            known.Add(merge.Result);
        }
        Assert.Equal(model.Vocab, known.OrderBy(t => Id(model, t)));
        Assert.True(model.TrainingTokens * 2 < model.TrainingBytes, $"{model.TrainingBytes} bytes -> {model.TrainingTokens} tokens");
    }

    [Fact]
    public void Special_token_text_is_cut_out_of_the_training_text()
    {
        var documents = TrainingCorpus.Documents(seed: 2, count: 10, words: 200).Select(d => d.Replace(" model ", " <|zq|> model<|zq|><|zq|> "));
        var model = Train(documents, vocabSize: 600, specials: ["<|zq|>", "<|zq|>x"]);
        Assert.Equal(["<|zq|>", "<|zq|>x"], model.Vocab.Take(2));
        Assert.DoesNotContain(model.Vocab.Skip(2), t => t.Contains("zq") || t.Contains("<|"));
    }

    [Fact]
    public void No_merge_is_spelled_like_a_special_token()
    {
        // Text " x" is "Ġx" in the byte-level alphabet, the spelling of this special token, which owns that entry.
        var model = Train(Enumerable.Repeat("x x x xy xy", 20), vocabSize: 400, specials: ["Ġx"]);
        Assert.DoesNotContain(model.Merges, m => m.Result == "Ġx");
        Assert.Contains(model.Merges, m => m.Result == "Ġxy");
        Assert.Equal(model.Vocab.Count, model.Vocab.Distinct().Count());
        Assert.Equal(model.Vocab.Count, BpeTokenizerFiles.TokenizerJson(model, new())["model"]!["vocab"]!.AsObject().Count);
    }

    [Fact]
    public void Same_text_in_any_order_gives_byte_identical_files()
    {
        var documents = TrainingCorpus.Documents(seed: 3, count: 20, words: 150);
        using var dir = new TempFolder();
        var options = new BpeTokenizerFileOptions { BosToken = "<|bos|>", EosToken = "<|eos|>" };
        BpeTokenizerFiles.Write(dir.File("a"), Train(documents, vocabSize: 500), options);
        documents.Reverse();
        BpeTokenizerFiles.Write(dir.File("b"), Train(documents, vocabSize: 500), options);
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir.File("a"), name)), File.ReadAllBytes(Path.Combine(dir.File("b"), name)));
    }

    [Fact]
    public void Max_token_length_bounds_every_learned_token()
    {
        var documents = TrainingCorpus.Documents(seed: 4, count: 20, words: 200);
        var bounded = Train(documents, vocabSize: 600, maxTokenLength: 3);
        Assert.All(bounded.Vocab.Skip(258), t => Assert.InRange(t.Length, 2, 3));
        Assert.Contains(bounded.Vocab, t => t.Length == 3);
        Assert.Contains(Train(documents, vocabSize: 600).Vocab, t => t.Length > 3);
    }

    [Theory]
    [InlineData(257, new[] { "<|a|>", "<|b|>" }, "below the 256 byte tokens + 2 special tokens = 258")]
    [InlineData(300, new[] { "<|a|>", "<|a|>" }, "'<|a|>' is given twice")]
    [InlineData(300, new[] { "!" }, "'!' is one of the 256 byte tokens")]
    [InlineData(300, new[] { "" }, "must not be empty")]
    public void Bad_options_are_clear_errors(int vocabSize, string[] specials, string message)
    {
        var e = Assert.Throws<SharpTuneException>(() => new BpeTrainer(new BpeTrainerOptions { VocabSize = vocabSize, SpecialTokens = specials }));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Empty_text_and_unknown_roles_are_clear_errors()
    {
        var trainer = new BpeTrainer(new BpeTrainerOptions { VocabSize = 300, SpecialTokens = ["<|eos|>"] });
        trainer.AddText("");
        trainer.AddText("<|eos|><|eos|>");
        Assert.Contains("no training text", Assert.Throws<SharpTuneException>(() => trainer.Train()).Message);

        var model = Train(["some text"], vocabSize: 300);
        var e = Assert.Throws<SharpTuneException>(() => BpeTokenizerFiles.TokenizerJson(model, new BpeTokenizerFileOptions { PadToken = "<pad>" }));
        Assert.Contains("the pad token '<pad>' is not one of the special tokens", e.Message);
    }
}
