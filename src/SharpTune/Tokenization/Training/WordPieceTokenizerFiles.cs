using System.Text.Json.Nodes;

namespace SharpTune.Tokenization.Training;

/// <summary>
/// Writes a learned WordPiece vocabulary as the tokenizer.json + tokenizer_config.json a BERT (uncased) model ships:
/// BertNormalizer, BertPreTokenizer, the WordPiece model with <c>##</c> and [UNK], the [CLS] … [SEP] template and
/// the WordPiece decoder — files that transformers, HF tokenizers and transformers.js load.
/// </summary>
public static class WordPieceTokenizerFiles
{
    /// <summary>BERT's special tokens, in the order they get the first ids.</summary>
    public static readonly IReadOnlyList<string> SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>Writes the files for <paramref name="vocab"/> (id order; it must hold <see cref="SpecialTokens"/>) to <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<string> vocab, int modelMaxLength = 512)
    {
        Directory.CreateDirectory(folder);
        BpeTokenizerFiles.WriteJson(Path.Combine(folder, BpeTokenizerFiles.TokenizerJsonFileName), TokenizerJson(vocab));
        BpeTokenizerFiles.WriteJson(Path.Combine(folder, TokenizerConfig.FileName), new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = true,
            ["tokenize_chinese_chars"] = true,
            ["strip_accents"] = null,
            ["clean_up_tokenization_spaces"] = true,
            ["model_max_length"] = modelMaxLength,
            ["pad_token"] = "[PAD]",
            ["unk_token"] = "[UNK]",
            ["cls_token"] = "[CLS]",
            ["sep_token"] = "[SEP]",
            ["mask_token"] = "[MASK]",
        });
    }

    /// <summary>The tokenizer.json content for <paramref name="vocab"/>.</summary>
    public static JsonObject TokenizerJson(IReadOnlyList<string> vocab)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < vocab.Count; i++) ids.TryAdd(vocab[i], i);
        int Id(string token) => ids.TryGetValue(token, out int id) ? id : throw new ArgumentException($"the vocabulary has no {token}", nameof(vocab));
        var added = new JsonArray();
        foreach (var token in SpecialTokens)
            added.Add(new JsonObject
            {
                ["id"] = Id(token), ["content"] = token, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        JsonObject Special(string token, int type) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = type } };
        JsonObject Sequence(string id, int type) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        JsonObject SpecialEntry(string token) => new() { ["id"] = token, ["ids"] = new JsonArray(Id(token)), ["tokens"] = new JsonArray(token) };
        var vocabJson = new JsonObject();
        foreach (var (token, id) in ids.OrderBy(p => p.Value)) vocabJson.Add(token, id);
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = true,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("[CLS]", 0), Sequence("A", 0), Special("[SEP]", 0)),
                ["pair"] = new JsonArray(Special("[CLS]", 0), Sequence("A", 0), Special("[SEP]", 0), Sequence("B", 1), Special("[SEP]", 1)),
                ["special_tokens"] = new JsonObject { ["[CLS]"] = SpecialEntry("[CLS]"), ["[SEP]"] = SpecialEntry("[SEP]") },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocabJson,
            },
        };
    }
}
