using System.Text;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Training;

namespace SharpTune.Tests.Tokenization;

/// <summary>Trained tokenizer folders loaded in @lenml/tokenizers (transformers.js' tokenizers), the peer that must agree.</summary>
public sealed class BpeTrainerPeerTests
{
    private static (TempFolder Dir, TrainedBpe Model, List<string> Documents) TrainFolder(int vocabSize, BpeTokenizerFileOptions files, long minFrequency = 2)
    {
        var documents = TrainingCorpus.Documents(seed: 11, count: 30, words: 250);
        var trainer = new BpeTrainer(new BpeTrainerOptions
        {
            VocabSize = vocabSize,
            MinFrequency = minFrequency,
            SpecialTokens = ["<|bos|>", "<|eos|>", "<|pad|>"],
        });
        foreach (var d in documents) trainer.AddText(d);
        var model = trainer.Train();
        var dir = new TempFolder();
        BpeTokenizerFiles.Write(dir.Path, model, files);
        return (dir, model, documents);
    }

    private static readonly BpeTokenizerFileOptions WithBos = new() { BosToken = "<|bos|>", EosToken = "<|eos|>", PadToken = "<|pad|>" };

    [Fact]
    public void Peer_loads_the_folder_and_decode_encode_is_identity()
    {
        var (dir, model, _) = TrainFolder(800, WithBos);
        using var _dir = dir;
        string[] texts =
        [
            "The tokenizer's training data is large, isn't it? We'll see.",
            "café naïve Straße — “quotes” and 'single' ones",
            "東京で日本語のテキスト。 данные модель ελληνικά नमस्ते مرحبا",
            "emoji 🙂👍🏽 family 👨‍👩‍👧 flags 🇩🇪 and astral letters 𝐁𝐨𝐥𝐝 𠀀𠀁x",
            "  leading spaces, trailing spaces   ",
            "tabs\tand\r\nwindows\r\nlines\n\n\n   indented\n\t\tcode();",
            "numbers 1234567 3.14159 -42 1e10 ٣٤٥ ² Ⅻ",
            "\u00A0nbsp\u3000ideographic\uFEFFbom\u0085nel\u2028ls",
            "",
            " ",
            "\n",
            "x",
        ];
        var (vocabSize, results) = PeerTokenizer.Run(dir.Path, texts);
        Assert.Equal(model.Vocab.Count, vocabSize);
        var (hfVocabSize, hf) = PeerTokenizer.RunHf(dir.Path, texts);
        Assert.Equal(model.Vocab.Count, hfVocabSize);
        var ours = HfTokenizer.Load(dir.Path);
        for (int i = 0; i < texts.Length; i++)
        {
            // Our own tokenizer.json reader agrees with both peers on what our trainer wrote.
            Assert.Equal(results[i].Ids, ours.Encode(texts[i], addSpecialTokens: true));
            Assert.Equal(results[i].PlainIds, ours.Encode(texts[i], addSpecialTokens: false));
            Assert.Equal(texts[i], ours.Decode(ours.Encode(texts[i], addSpecialTokens: true), skipSpecialTokens: true));
            var r = results[i];
            Assert.Equal(texts[i], r.DecodedSkipSpecial);
            Assert.Equal("<|bos|>" + texts[i], r.Decoded);
            Assert.Equal([0L, .. r.PlainIds], r.Ids);
            Assert.DoesNotContain(r.PlainIds, id => id < 3);
            Assert.All(r.PlainIds, id => Assert.InRange(id, 3, model.Vocab.Count - 1));
            Assert.Equal(Encoding.UTF8.GetByteCount(texts[i]), r.Tokens.Sum(t => t.Length));
            // HF's own library (what transformers' PreTrainedTokenizerFast runs) gives the same ids and text.
            Assert.Equal(r.Ids, hf[i].Ids);
            Assert.Equal(r.PlainIds, hf[i].PlainIds);
            Assert.Equal(texts[i], hf[i].DecodedSkipSpecial);
        }
    }

    [Fact]
    public void Merges_equal_those_of_hf_tokenizers_own_trainer()
    {
        // HF's trainer reads a file one line at a time; train on the same lines, both until no pair is left.
        using var dir = new TempFolder();
        string corpus = string.Join("\n", TrainingCorpus.Documents(seed: 12, count: 12, words: 200)) + "\n";
        File.WriteAllText(dir.File("corpus.txt"), corpus);
        var trainer = new BpeTrainer(new BpeTrainerOptions { VocabSize = 30_000, MinFrequency = 0 });
        for (int start = 0; start < corpus.Length;)
        {
            int end = corpus.IndexOf('\n', start) + 1;
            trainer.AddText(corpus[start..end]);
            start = end;
        }
        var model = trainer.Train();
        Assert.Contains("no pair left", model.StopReason);
        BpeTokenizerFiles.Write(dir.Path, model, new BpeTokenizerFileOptions());

        var hfMerges = PeerTokenizer.HfTrainMerges(dir.File("tokenizer.json"), dir.File("corpus.txt"));
        Assert.True(model.Merges.Count > 300, $"{model.Merges.Count} merges");
        Assert.Equal(hfMerges, model.Merges.Select(m => m.Left + " " + m.Right));
    }

    [Fact]
    public void Special_tokens_in_text_are_never_split()
    {
        var (dir, _, _) = TrainFolder(600, WithBos);
        using var _dir = dir;
        string text = "a<|eos|>b <|pad|><|pad|>\n<|bos|>text<|eos|>";
        var r = PeerTokenizer.Run(dir.Path, [text]).Results[0];
        Assert.Equal(0, r.Ids[0]);
        Assert.Equal(["<|eos|>", "<|pad|>", "<|pad|>", "<|bos|>", "<|eos|>"], r.Tokens.Where(t => t.StartsWith("<|")));
        Assert.Equal(1, r.Ids[^1]);
        Assert.Equal(2, r.Ids.Count(id => id == 2));
        Assert.Equal(text, r.Decoded[7..]);
        Assert.Equal("ab \ntext", r.DecodedSkipSpecial);
    }

    [Fact]
    public void Peer_encodes_the_training_text_into_exactly_the_tokens_training_ended_with()
    {
        // Every merge is reachable by the encoder: its pre-tokenizer cuts the same pieces, and applying the merges by
        // rank gives each piece the segmentation training left it with, so the token counts match to the token.
        var (dir, model, documents) = TrainFolder(900, new BpeTokenizerFileOptions());
        using var _dir = dir;
        var (_, results) = PeerTokenizer.Run(dir.Path, documents);
        Assert.Equal(model.TrainingTokens, results.Sum(r => (long)r.PlainIds.Length));
        Assert.All(results, r => Assert.Equal(r.PlainIds, r.Ids)); // no bos to add
        for (int i = 0; i < documents.Count; i++) Assert.Equal(documents[i], results[i].Decoded);
        Assert.True(model.TrainingTokens * 5 < model.TrainingBytes * 2, $"{model.TrainingBytes} bytes -> {model.TrainingTokens} tokens");
    }

    [Fact]
    public void Pre_tokenizer_cuts_the_pieces_the_peer_cuts()
    {
        var (dir, _, _) = TrainFolder(300, new BpeTokenizerFileOptions());
        using var _dir = dir;
        var texts = TrainingCorpus.TrickyStrings(seed: 5, count: 400);
        texts.AddRange(["'s'S'tx'RE're've'LL'd'm'x", "a'sb", "\r\n\r\n  x", "  \n \t y", "x   ", "𠀀a 𠀀 🙂a a🙂", "1234567", "!!\n\nx"]);
        var results = PeerTokenizer.Run(dir.Path, texts).Results;
        for (int i = 0; i < texts.Count; i++)
        {
            var mine = new List<string>();
            Llama3PreTokenizer.Split(texts[i], (start, length) =>
                mine.Add(ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(texts[i].Substring(start, length)))));
            Assert.True(results[i].Pieces.SequenceEqual(mine), $"text {JsonValue.Create(texts[i]).ToJsonString()}: peer [{string.Join("|", results[i].Pieces)}] mine [{string.Join("|", mine)}]");
        }
    }

    [Fact]
    public void Pattern_is_the_one_llama3_ships()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Peers.TokenizerFolder("llama3"), "tokenizer.json")))!;
        Assert.Equal(Llama3PreTokenizer.Pattern, (string)json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"]!);
    }

    [Fact]
    public void Config_file_reads_back_with_the_roles()
    {
        var (dir, _, _) = TrainFolder(400, new BpeTokenizerFileOptions { BosToken = "<|bos|>", EosToken = "<|eos|>", PadToken = "<|pad|>", ModelMaxLength = 4096 });
        using var _dir = dir;
        var config = TokenizerConfig.Load(dir.Path);
        Assert.Equal("<|bos|>", config.BosToken);
        Assert.Equal("<|eos|>", config.EosToken);
        Assert.Equal("<|pad|>", config.PadToken);
        Assert.Null(config.UnkToken);
        Assert.True(config.AddBosToken);
        Assert.False(config.AddEosToken);
        Assert.Equal(4096, config.ModelMaxLength);
        Assert.Equal("PreTrainedTokenizerFast", (string)config.Raw["tokenizer_class"]!);
        Assert.Equal("<|pad|>", (string)config.Raw["added_tokens_decoder"]!["2"]!["content"]!);

        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "tokenizer.json")))!;
        Assert.Equal("TemplateProcessing", (string)tokenizer["post_processor"]!["type"]!);
        Assert.Equal(0, (int)tokenizer["post_processor"]!["special_tokens"]!["<|bos|>"]!["ids"]![0]!);
        Assert.Equal("BPE", (string)tokenizer["model"]!["type"]!);
        Assert.Equal(400, tokenizer["model"]!["vocab"]!.AsObject().Count);
    }
}
