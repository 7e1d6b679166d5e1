using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Tokenization;

/// <summary>Small hand-written tokenizer.json files, one feature at a time.</summary>
public sealed class HfTokenizerFileTests
{
    private static JsonObject Bpe(JsonObject vocab, JsonArray merges, Action<JsonObject>? extra = null)
    {
        var model = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges };
        extra?.Invoke(model);
        return model;
    }

    private static JsonObject Vocab(params string[] tokens)
    {
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Length; i++) vocab[tokens[i]] = i;
        return vocab;
    }

    private static HfTokenizer Load(TempFolder dir, JsonObject model, Action<JsonObject>? root = null, JsonObject? config = null)
    {
        var json = new JsonObject { ["version"] = "1.0", ["added_tokens"] = new JsonArray(), ["model"] = model };
        root?.Invoke(json);
        File.WriteAllText(dir.File("tokenizer.json"), json.ToJsonString());
        if (config != null) File.WriteAllText(dir.File("tokenizer_config.json"), config.ToJsonString());
        return HfTokenizer.Load(dir.Path);
    }

    private static JsonObject Added(int id, string content, bool special = true, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false) =>
        new() { ["id"] = id, ["content"] = content, ["special"] = special, ["lstrip"] = lstrip, ["rstrip"] = rstrip, ["single_word"] = singleWord, ["normalized"] = normalized };

    [Fact]
    public void Merges_apply_by_rank_in_both_merge_formats()
    {
        using var dir = new TempFolder();
        var vocab = Vocab("a", "b", "c", "ab", "bc", "abc");
        var strings = Load(dir, Bpe(vocab.DeepClone().AsObject(), new JsonArray("b c", "a b", "a bc")));
        Assert.Equal([5L], strings.Encode("abc"));
        var pairs = Load(dir, Bpe(vocab.DeepClone().AsObject(), new JsonArray(new JsonArray("b", "c"), new JsonArray("a", "b"), new JsonArray("a", "bc"))));
        Assert.Equal([5L], pairs.Encode("abc"));
        var other = Load(dir, Bpe(vocab.DeepClone().AsObject(), new JsonArray("a b", "b c")));
        Assert.Equal([3L, 2L], other.Encode("abc"));
        // Two places with the same pair: the leftmost merges first.
        Assert.Equal([1L, 0L], Load(dir, Bpe(Vocab("a", "aa"), new JsonArray("a a"))).Encode("aaa"));
    }

    [Fact]
    public void A_model_written_in_another_key_order_reads_the_same()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("tokenizer.json"), """
            {"model": {"merges": [["b", "c"], ["a", "bc"]], "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "abc": 4}, "type": "BPE"},
             "added_tokens": []}
            """);
        Assert.Equal([4L], HfTokenizer.Load(dir.Path).Encode("abc"));
    }

    [Fact]
    public void Long_words_merge_the_same_through_the_heap()
    {
        using var dir = new TempFolder();
        var tokenizer = Load(dir, Bpe(Vocab("a", "b", "ab", "abab"), new JsonArray("a b", "ab ab")));
        var word = string.Concat(Enumerable.Repeat("ab", 200)) + "a";
        var ids = tokenizer.Encode(word);
        Assert.Equal(Enumerable.Repeat(3L, 100).Append(0L), ids);
        Assert.Equal(word, string.Concat(ids.Select(id => tokenizer.IdToToken(id))));
    }

    [Fact]
    public void Long_pieces_are_cut_only_where_no_token_reaches_across()
    {
        using var dir = new TempFolder();
        // "a▁" is a token, so a▁ must never be cut apart; "b▁" is not, so the text may be cut there.
        var tokenizer = Load(dir, Bpe(Vocab("a", "b", "▁", "a▁", "▁b"), new JsonArray("a ▁", "▁ b")));
        var text = string.Concat(Enumerable.Repeat("a▁b▁b", 20));
        var ids = tokenizer.Encode(text);
        // Whole-word BPE: a▁ first (rank 0), then ▁b; the cuts (before each "b▁"'s ▁) change nothing.
        Assert.Equal(text, string.Concat(ids.Select(id => tokenizer.IdToToken(id))));
        Assert.Equal([3L, 1L, 4L], ids.Take(3));
        Assert.Equal(ids.Take(3), ids.Skip(3).Take(3));
    }

    [Fact]
    public void Byte_fallback_spells_unknown_characters_in_byte_tokens_and_decodes_them_back()
    {
        using var dir = new TempFolder();
        var tokens = new List<string> { "<unk>", "a" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        var tokenizer = Load(dir, Bpe(Vocab([.. tokens]), [], m => { m["byte_fallback"] = true; m["unk_token"] = "<unk>"; }), root =>
            root["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = new JsonArray(new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" }) });
        var ids = tokenizer.Encode("aé😀");
        Assert.Equal([1L, 2 + 0xC3, 2 + 0xA9, 2 + 0xF0, 2 + 0x9F, 2 + 0x98, 2 + 0x80], ids);
        Assert.Equal("aé😀", tokenizer.Decode(ids));
        Assert.Equal("a\uFFFD", tokenizer.Decode([1, 2 + 0xC3]));
    }

    [Fact]
    public void Unknown_characters_become_unk_fused_when_asked()
    {
        using var dir = new TempFolder();
        var fused = Load(dir, Bpe(Vocab("<unk>", "a"), [], m => { m["unk_token"] = "<unk>"; m["fuse_unk"] = true; }));
        Assert.Equal([1L, 0L, 1L], fused.Encode("axyza"));
        var plain = Load(dir, Bpe(Vocab("<unk>", "a"), [], m => m["unk_token"] = "<unk>"));
        Assert.Equal([1L, 0L, 0L, 0L, 1L], plain.Encode("axyza"));
        var none = Load(dir, Bpe(Vocab("a"), []));
        Assert.Equal([0L, 0L], none.Encode("axa"));
    }

    [Fact]
    public void Ignore_merges_takes_a_whole_word_from_the_vocabulary()
    {
        using var dir = new TempFolder();
        var vocab = Vocab("a", "b", "c", "ab", "abc");
        Assert.Equal([3L, 2L], Load(dir, Bpe(vocab.DeepClone().AsObject(), new JsonArray("a b"))).Encode("abc"));
        Assert.Equal([4L], Load(dir, Bpe(vocab.DeepClone().AsObject(), new JsonArray("a b"), m => m["ignore_merges"] = true)).Encode("abc"));
    }

    [Fact]
    public void Continuing_subword_prefix_and_end_of_word_suffix_mark_symbols()
    {
        using var dir = new TempFolder();
        var prefix = Load(dir, Bpe(Vocab("a", "##b", "ab", "##c"), new JsonArray("a ##b"), m => m["continuing_subword_prefix"] = "##"));
        Assert.Equal([2L, 3L], prefix.Encode("abc"));
        var suffix = Load(dir, Bpe(Vocab("a", "b</w>", "ab</w>", "b"), new JsonArray("a b</w>"), m => m["end_of_word_suffix"] = "</w>"));
        Assert.Equal([2L], suffix.Encode("ab"));
    }

    [Fact]
    public void Added_tokens_are_split_out_first_and_honour_strip_single_word_and_normalized()
    {
        using var dir = new TempFolder();
        var chars = Vocab("a", "b", " ", "<", "m", ">", "x", "<m>", "xy", "X", "Y", "y");
        JsonObject Model() => Bpe(chars.DeepClone().AsObject(), []);
        var plain = Load(dir, Model(), r => r["added_tokens"] = new JsonArray(Added(7, "<m>")));
        Assert.Equal([0L, 2L, 7L, 2L, 1L], plain.Encode("a <m> b"));
        var lstrip = Load(dir, Model(), r => r["added_tokens"] = new JsonArray(Added(7, "<m>", lstrip: true)));
        Assert.Equal([0L, 7L, 2L, 1L], lstrip.Encode("a   <m> b"));
        var rstrip = Load(dir, Model(), r => r["added_tokens"] = new JsonArray(Added(7, "<m>", rstrip: true)));
        Assert.Equal([0L, 2L, 7L, 1L], rstrip.Encode("a <m>  b"));
        var single = Load(dir, Model(), r => r["added_tokens"] = new JsonArray(Added(7, "<m>", singleWord: true)));
        Assert.Equal([6L, 3L, 4L, 5L, 2L, 7L], single.Encode("x<m> <m>"));
        var normalized = Load(dir, Model(), r =>
        {
            r["added_tokens"] = new JsonArray(Added(8, "xy", special: false, normalized: true));
            r["normalizer"] = new JsonObject { ["type"] = "Lowercase" };
        });
        Assert.Equal([8L], normalized.Encode("XY"));
        var raw = Load(dir, Model(), r => r["added_tokens"] = new JsonArray(Added(8, "xy", special: false)));
        Assert.Equal([9L, 10L], raw.Encode("XY"));
        Assert.Equal([8L], raw.Encode("xy"));
    }

    [Fact]
    public void Template_processing_adds_special_tokens_around_one_sequence_or_a_pair()
    {
        using var dir = new TempFolder();
        var tokenizer = Load(dir, Bpe(Vocab("<s>", "</s>", "a", "b"), []), r =>
        {
            r["added_tokens"] = new JsonArray(Added(0, "<s>"), Added(1, "</s>"));
            JsonObject Special(string id) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
            JsonObject Sequence(string id) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
            r["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("<s>"), Sequence("A"), Special("</s>")),
                ["pair"] = new JsonArray(Special("<s>"), Sequence("A"), Special("</s>"), Sequence("B"), Special("</s>")),
                ["special_tokens"] = new JsonObject
                {
                    ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(0), ["tokens"] = new JsonArray("<s>") },
                    ["</s>"] = new JsonObject { ["id"] = "</s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("</s>") },
                },
            };
        }, new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = new JsonObject { ["__type"] = "AddedToken", ["content"] = "</s>" } });
        Assert.Equal([0L, 2L, 1L], tokenizer.Encode("a"));
        Assert.Equal([2L], tokenizer.Encode("a", addSpecialTokens: false));
        Assert.Equal([0L, 2L, 1L, 3L, 1L], tokenizer.EncodePair("a", "b"));
        Assert.Equal([2L, 3L], tokenizer.EncodePair("a", "b", addSpecialTokens: false));
        Assert.Equal(0L, tokenizer.BosId);
        Assert.Equal(1L, tokenizer.EosId);
        Assert.Null(tokenizer.PadId);
        Assert.True(tokenizer.IsSpecialToken(0));
        Assert.False(tokenizer.IsSpecialToken(2));
        Assert.Equal("<s> a </s>", tokenizer.Decode([0, 2, 1], skipSpecialTokens: false));
        Assert.Equal("a", tokenizer.Decode([0, 2, 1]));
    }

    [Theory]
    [InlineData("BertProcessing", new long[] { 0, 2, 1, 3, 1 })]
    [InlineData("RobertaProcessing", new long[] { 0, 2, 1, 1, 3, 1 })]
    public void Bert_and_roberta_processing_place_cls_and_sep(string type, long[] expected)
    {
        using var dir = new TempFolder();
        var tokenizer = Load(dir, Bpe(Vocab("[CLS]", "[SEP]", "a", "b"), []), r => r["post_processor"] =
            new JsonObject { ["type"] = type, ["cls"] = new JsonArray("[CLS]", 0), ["sep"] = new JsonArray("[SEP]", 1) });
        Assert.Equal(expected, tokenizer.EncodePair("a", "b"));
        Assert.Equal([0L, 2L, 1L], tokenizer.Encode("a"));
    }

    [Fact]
    public void Metaspace_strip_and_replace_decoders_undo_sentencepiece_spacing()
    {
        using var dir = new TempFolder();
        var vocab = Vocab("▁hello", "▁world", "▁", "h", "e", "l", "o", "w", "r", "d");
        var metaspace = Load(dir, Bpe(vocab.DeepClone().AsObject(), []), r =>
        {
            r["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true };
            r["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always" };
            r["model"]!["ignore_merges"] = true;
        });
        Assert.Equal([0L, 1L], metaspace.Encode("hello world"));
        Assert.Equal("hello world", metaspace.Decode([0, 1]));
        var replace = Load(dir, Bpe(vocab.DeepClone().AsObject(), []), r => r["decoder"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["decoders"] = new JsonArray(
                new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                new JsonObject { ["type"] = "Fuse" },
                new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
        });
        Assert.Equal("hello world", replace.Decode([0, 1]));
        Assert.Equal("hello world", replace.Decode([0, 1, 999]));
    }

    [Fact]
    public void Byte_level_round_trips_any_text_and_keeps_added_tokens_literal()
    {
        using var dir = new TempFolder();
        var vocab = Vocab([.. Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharFor((byte)b).ToString())]);
        var tokenizer = Load(dir, Bpe(vocab, []), r =>
        {
            r["added_tokens"] = new JsonArray(Added(256, "<|end|>"));
            r["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true };
            r["decoder"] = new JsonObject { ["type"] = "ByteLevel" };
        });
        const string text = "Zürich 😀 — ok<|end|>\r\n\ttabs";
        var ids = tokenizer.Encode(text);
        Assert.Contains(256L, ids);
        Assert.Equal(text, tokenizer.Decode(ids, skipSpecialTokens: false));
        Assert.Equal(text.Replace("<|end|>", ""), tokenizer.Decode(ids));
        Assert.Equal(257, tokenizer.VocabSize);
        Assert.Equal("Ġ", tokenizer.IdToToken(' '));
        Assert.Equal(256L, tokenizer.TokenToId("<|end|>"));
        Assert.Null(tokenizer.TokenToId("nope"));
        Assert.Null(tokenizer.IdToToken(5000));
    }

    [Fact]
    public void Loader_picks_the_hf_tokenizer_when_the_folder_has_tokenizer_json()
    {
        using var dir = new TempFolder();
        Load(dir, Bpe(Vocab("a"), []));
        Assert.IsType<HfTokenizer>(TokenizerLoader.ForModel(dir.Path, 10));
    }

    [Theory]
    [InlineData("normalizer", """{"type": "Precompiled", "precompiled_charsmap": ""}""", "normalizer type 'Precompiled'")]
    [InlineData("pre_tokenizer", """{"type": "UnicodeScripts"}""", "pre-tokenizer type 'UnicodeScripts'")]
    [InlineData("decoder", """{"type": "CTC"}""", "decoder type 'CTC'")]
    [InlineData("post_processor", """{"type": "Nope"}""", "post-processor type 'Nope'")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "\\p{Han}+"}, "behavior": "Isolated", "invert": false}""", "pre_tokenizer.pattern is a regex")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways", "invert": false}""", "pre_tokenizer.behavior must be")]
    [InlineData("normalizer", """{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Nmt"}]}""", "normalizer.normalizers[1]: normalizer type 'Nmt'")]
    public void Unsupported_components_name_the_file_the_place_and_the_type(string key, string component, string expected)
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SharpTuneException>(() => Load(dir, Bpe(Vocab("a"), []), r => r[key] = JsonNode.Parse(component)));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("""{"type": "Unigram", "vocab": []}""", "model type 'Unigram' is not supported")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}""", "model.merges[0] names 'c', which is not in the vocabulary")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}""", "model.merges[0] makes 'ab', which is not in the vocabulary")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["ab"]}""", "model.merges[0] must be two tokens separated by a space")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 1000000000}, "merges": []}""", "must be an integer from 0 to")]
    [InlineData("""{"type": "BPE", "vocab": {"a": -1}, "merges": []}""", "must be an integer from 0 to")]
    [InlineData("""{"type": "BPE", "vocab": {"a": 0}}""", "model.merges is missing")]
    public void Bad_models_are_clear_errors(string model, string expected)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("tokenizer.json"), $$"""{"added_tokens": [], "model": {{model}}}""");
        var e = Assert.Throws<SharpTuneException>(() => HfTokenizer.Load(dir.Path));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Broken_json_and_missing_files_are_clear_errors()
    {
        using var dir = new TempFolder();
        Assert.Contains("no tokenizer.json", Assert.Throws<SharpTuneException>(() => HfTokenizer.Load(dir.Path)).Message);
        File.WriteAllText(dir.File("tokenizer.json"), "{\n\"model\": {\"type\": \"BPE\",\n\"vocab\": {\"a\": 0,,}}}");
        var e = Assert.Throws<SharpTuneException>(() => HfTokenizer.Load(dir.Path));
        Assert.Contains("not valid JSON (line 3)", e.Message);
        File.WriteAllText(dir.File("tokenizer.json"), """{"added_tokens": [{"id": 99999999, "content": "x"}], "model": {"type": "BPE", "vocab": {}, "merges": []}}""");
        Assert.Contains("added_tokens[0].id must be an integer", Assert.Throws<SharpTuneException>(() => HfTokenizer.Load(dir.Path)).Message);
    }
}
