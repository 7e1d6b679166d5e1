using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization.Training;

/// <summary>
/// Writes a <see cref="TrainedBpe"/> as the two files transformers, HF tokenizers and transformers.js load:
/// <c>tokenizer.json</c> (format version 1.0) and <c>tokenizer_config.json</c>.
/// </summary>
/// <remarks>
/// Layout: no normalizer; pre-tokenizer = Sequence [Split(<see cref="Llama3PreTokenizer.Pattern"/>, Isolated),
/// ByteLevel(add_prefix_space false, use_regex false)], as Llama 3 declares it; decoder ByteLevel; post-processor
/// TemplateProcessing adding the bos token when there is one to add, else a no-op ByteLevel; model BPE with
/// unk_token null, byte_fallback false, ignore_merges false, the vocabulary in id order and the merges as
/// <c>"left right"</c> strings (readable by every tokenizers version; byte-level tokens never hold a space).
/// The special tokens are added tokens (special, normalized false) and also in the model vocabulary, as HF's
/// trainer leaves them.
/// </remarks>
public static class BpeTokenizerFiles
{
    /// <summary>The tokenizer file's name.</summary>
    public const string TokenizerJsonFileName = "tokenizer.json";

    /// <summary>transformers' VERY_LARGE_INTEGER, what it writes as model_max_length when there is no limit.</summary>
    private const string NoLengthLimit = "1000000000000000019884624838656";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="folder"/> (created if missing), each atomically.</summary>
    /// <exception cref="SharpTuneException">A role names a token that is not special, or a file cannot be written.</exception>
    public static void Write(string folder, TrainedBpe model, BpeTokenizerFileOptions options)
    {
        var tokenizer = TokenizerJson(model, options);
        var config = TokenizerConfigJson(model, options);
        WriteJson(Path.Combine(folder, TokenizerJsonFileName), tokenizer);
        WriteJson(Path.Combine(folder, TokenizerConfig.FileName), config);
    }

    /// <summary>The content of tokenizer.json.</summary>
    /// <exception cref="SharpTuneException">A role names a token that is not special.</exception>
    public static JsonObject TokenizerJson(TrainedBpe model, BpeTokenizerFileOptions options)
    {
        CheckRoles(model, options);
        var added = new JsonArray();
        for (int id = 0; id < model.SpecialTokens.Count; id++)
            added.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = model.SpecialTokens[id],
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        var vocab = new JsonObject();
        for (int id = 0; id < model.Vocab.Count; id++) vocab.Add(model.Vocab[id], id);
        var merges = new JsonArray();
        foreach (var merge in model.Merges) merges.Add(merge.Left + " " + merge.Right);

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = Llama3PreTokenizer.Pattern },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    ByteLevel(),
                },
            },
            ["post_processor"] = AddsBos(options) ? BosTemplate(options.BosToken!, SpecialId(model, options.BosToken!)) : ByteLevel(),
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = options.UnkToken,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    /// <summary>The content of tokenizer_config.json (keys sorted, as transformers writes it).</summary>
    /// <exception cref="SharpTuneException">A role names a token that is not special.</exception>
    public static JsonObject TokenizerConfigJson(TrainedBpe model, BpeTokenizerFileOptions options)
    {
        CheckRoles(model, options);
        var decoder = new JsonObject();
        for (int id = 0; id < model.SpecialTokens.Count; id++)
            decoder[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = model.SpecialTokens[id],
                ["lstrip"] = false,
                ["normalized"] = false,
                ["rstrip"] = false,
                ["single_word"] = false,
                ["special"] = true,
            };
        var keys = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["add_bos_token"] = AddsBos(options),
            ["add_eos_token"] = false,
            ["added_tokens_decoder"] = decoder,
            ["clean_up_tokenization_spaces"] = false,
            ["model_input_names"] = new JsonArray("input_ids", "attention_mask"),
            ["model_max_length"] = options.ModelMaxLength is { } max ? JsonValue.Create(max) : JsonNode.Parse(NoLengthLimit),
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
        };
        if (options.BosToken is { } bos) keys["bos_token"] = bos;
        if (options.EosToken is { } eos) keys["eos_token"] = eos;
        if (options.PadToken is { } pad) keys["pad_token"] = pad;
        if (options.UnkToken is { } unk) keys["unk_token"] = unk;
        var config = new JsonObject();
        foreach (var (key, value) in keys) config[key] = value;
        return config;
    }

    private static bool AddsBos(BpeTokenizerFileOptions options) => options.AddBosToken && options.BosToken is not null;

    private static JsonObject ByteLevel() => new()
    {
        ["type"] = "ByteLevel",
        ["add_prefix_space"] = false,
        ["trim_offsets"] = false,
        ["use_regex"] = false,
    };

    /// <summary>bos before the text (and before the second text of a pair, as Llama 3 does).</summary>
    private static JsonObject BosTemplate(string bos, int bosId)
    {
        static JsonObject Special(string token, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } };
        static JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray { Special(bos, 0), Sequence("A", 0) },
            ["pair"] = new JsonArray { Special(bos, 0), Sequence("A", 0), Special(bos, 1), Sequence("B", 1) },
            ["special_tokens"] = new JsonObject
            {
                [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(bosId), ["tokens"] = new JsonArray(bos) },
            },
        };
    }

    private static void CheckRoles(TrainedBpe model, BpeTokenizerFileOptions options)
    {
        foreach (var (role, token) in new[] { ("bos", options.BosToken), ("eos", options.EosToken), ("pad", options.PadToken), ("unk", options.UnkToken) })
            if (token is not null && !model.SpecialTokens.Contains(token))
                throw new SharpTuneException($"the {role} token '{token}' is not one of the special tokens ({string.Join(", ", model.SpecialTokens)})");
        if (options.ModelMaxLength is < 1) throw new SharpTuneException($"model max length must be at least 1, got {options.ModelMaxLength}");
    }

    private static int SpecialId(TrainedBpe model, string token)
    {
        for (int i = 0; i < model.SpecialTokens.Count; i++)
            if (model.SpecialTokens[i] == token) return i;
        throw new SharpTuneException($"'{token}' is not one of the special tokens");
    }

    internal static void WriteJson(string path, JsonNode node) =>
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(node.ToJsonString(Json) + "\n")));
}
