using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SharpTune.Tokenization.Hf;

/// <summary>
/// The parts a <c>tokenizer.json</c> describes, read with bounds on everything an untrusted file could inflate.
/// Unknown component types and malformed values are <see cref="SharpTuneException"/>s naming the file and the JSON path.
/// </summary>
internal sealed class TokenizerJson
{
    /// <summary>Largest tokenizer.json read (Gemma 3's is 33 MB).</summary>
    public const long MaxFileBytes = 512L << 20;
    /// <summary>Largest vocabulary, and bound on every id.</summary>
    public const int MaxVocabSize = 1 << 22;
    /// <summary>Most merges.</summary>
    public const int MaxMerges = 1 << 24;
    /// <summary>Most added tokens.</summary>
    public const int MaxAddedTokens = 1 << 20;
    /// <summary>Longest added token or vocabulary entry, in UTF-16 units.</summary>
    public const int MaxTokenLength = 1 << 16;

    private readonly string _path;

    private TokenizerJson(string path) => _path = path;

    public required TokenizerModel Model { get; init; }
    public Normalizer? Normalizer { get; init; }
    public PreTokenizer? PreTokenizer { get; init; }
    public PostProcessor? PostProcessor { get; init; }
    public Decoder? Decoder { get; init; }
    public required IReadOnlyList<AddedToken> AddedTokens { get; init; }

    /// <summary>Reads <paramref name="path"/>.</summary>
    public static TokenizerJson Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new SharpTuneException($"{path}: file not found");
        if (info.Length > MaxFileBytes)
            throw new SharpTuneException($"{path}: {info.Length:N0} bytes is more than the {MaxFileBytes:N0} a tokenizer.json may have");
        var bytes = File.ReadAllBytes(path);
        try
        {
            return new TokenizerJson(path) { Model = null!, AddedTokens = [] }.ReadRoot(bytes);
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
    }

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, MaxDepth = 64 };

    // The vocabulary and merges (nearly all of the file) are streamed straight into their tables as the reader meets
    // them; the rest is small and kept as JSON elements. (tokenizers writes the model's options, then vocab, then
    // merges; a file in another order has the two lists re-read once the options are known.)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private TokenizerJson ReadRoot(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Fail("$", "must be a JSON object");
        var root = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var model = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        (int Start, int Length)? vocabSlice = null, mergesSlice = null;
        Dictionary<string, int>? vocab = null;
        MergeTable? merges = null;
        bool sawModel = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (name != "model" || reader.TokenType != JsonTokenType.StartObject)
            {
                root[name] = JsonElement.ParseValue(ref reader);
                continue;
            }
            sawModel = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                reader.Read();
                if (key is "vocab" or "merges" && ModelString(model, "type", "model") is { } type && type is not ("BPE" or "WordPiece"))
                    throw Unsupported("model", "model", type, "BPE, WordPiece");
                if (key == "vocab" && vocab == null)
                    vocab = ReadVocab(ref reader, "model.vocab");
                else if (key == "merges" && vocab != null && model.ContainsKey("continuing_subword_prefix") && merges == null)
                    merges = ReadMerges(ref reader, vocab, ModelString(model, "continuing_subword_prefix", "model"), "model.merges");
                else if (key is "vocab" or "merges")
                {
                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var slice = (start, (int)reader.BytesConsumed - start);
                    if (key == "vocab") vocabSlice = slice;
                    else mergesSlice = slice;
                }
                else model[key] = JsonElement.ParseValue(ref reader);
            }
        }
        if (!sawModel) throw Fail("model", "is missing");
        if (vocab == null && vocabSlice is { } vs)
        {
            var r = new Utf8JsonReader(bytes.AsSpan(vs.Start, vs.Length), ReaderOptions);
            r.Read();
            vocab = ReadVocab(ref r, "model.vocab");
        }
        if (vocab != null && merges == null && mergesSlice is { } ms)
        {
            var r = new Utf8JsonReader(bytes.AsSpan(ms.Start, ms.Length), ReaderOptions);
            r.Read();
            merges = ReadMerges(ref r, vocab, ModelString(model, "continuing_subword_prefix", "model"), "model.merges");
        }

        var added = ReadAddedTokens(root, "added_tokens");
        var bpe = ReadModel(model, vocab, merges, "model");
        JsonElement? Section(string key) => root.TryGetValue(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
        return new TokenizerJson(_path)
        {
            Model = bpe,
            AddedTokens = added,
            Normalizer = Section("normalizer") is { } n ? ReadNormalizer(n, "normalizer") : null,
            PreTokenizer = Section("pre_tokenizer") is { } p ? ReadPreTokenizer(p, "pre_tokenizer") : null,
            PostProcessor = Section("post_processor") is { } pp ? ReadPostProcessor(pp, "post_processor") : null,
            Decoder = Section("decoder") is { } d ? ReadDecoder(d, "decoder") : null,
        };
    }

    private SharpTuneException Fail(string where, string message) => new($"{_path}: {where} {message}");

    private SharpTuneException Unsupported(string where, string kind, string type, string supported) =>
        new($"{_path}: {where}: {kind} type '{type}' is not supported (supported: {supported})");

    private static JsonElement? Optional(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private string TypeOf(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Fail(where, $"must be an object, got {e.ValueKind}");
        return e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : throw Fail(where + ".type", "is missing");
    }

    private string? String(JsonElement obj, string key, string where)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw Fail($"{where}.{key}", $"must be a string, got {v.ValueKind}");
        var s = v.GetString()!;
        if (s.Length > MaxTokenLength) throw Fail($"{where}.{key}", $"is longer than {MaxTokenLength} characters");
        return s;
    }

    private string RequiredString(JsonElement obj, string key, string where) => String(obj, key, where) ?? throw Fail($"{where}.{key}", "is missing");

    private bool Bool(JsonElement obj, string key, string where, bool fallback)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail($"{where}.{key}", $"must be true or false, got {v.GetRawText()}"),
        };
    }

    private int Int(JsonElement obj, string key, string where, int fallback, int max)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return Id(v, $"{where}.{key}", max);
    }

    private int Id(JsonElement v, string where, int max = MaxVocabSize - 1)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long id) || id < 0 || id > max)
            throw Fail(where, $"must be an integer from 0 to {max}, got {v.GetRawText()}");
        return (int)id;
    }

    private JsonElement Array(JsonElement obj, string key, string where)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Array) throw Fail($"{where}.{key}", "must be a list");
        return v;
    }

    private List<AddedToken> ReadAddedTokens(Dictionary<string, JsonElement> root, string where)
    {
        var list = new List<AddedToken>();
        if (!root.TryGetValue(where, out var array) || array.ValueKind == JsonValueKind.Null) return list;
        if (array.ValueKind != JsonValueKind.Array) throw Fail(where, "must be a list");
        if (array.GetArrayLength() > MaxAddedTokens) throw Fail(where, $"has more than {MaxAddedTokens:N0} entries");
        int i = 0;
        foreach (var e in array.EnumerateArray())
        {
            string at = $"{where}[{i++}]";
            if (e.ValueKind != JsonValueKind.Object) throw Fail(at, "must be an object");
            if (!e.TryGetProperty("id", out var id)) throw Fail(at + ".id", "is missing");
            var content = RequiredString(e, "content", at);
            list.Add(new AddedToken(Id(id, at + ".id"), content, Bool(e, "special", at, false), Bool(e, "single_word", at, false),
                Bool(e, "lstrip", at, false), Bool(e, "rstrip", at, false), Bool(e, "normalized", at, !Bool(e, "special", at, false))));
        }
        return list;
    }

    private string? ModelString(Dictionary<string, JsonElement> model, string key, string where) =>
        model.TryGetValue(key, out var v) && v.ValueKind != JsonValueKind.Null
            ? (v.ValueKind == JsonValueKind.String ? v.GetString() : throw Fail($"{where}.{key}", $"must be a string, got {v.ValueKind}"))
            : null;

    private TokenizerModel ReadModel(Dictionary<string, JsonElement> model, Dictionary<string, int>? vocab, MergeTable? merges, string where)
    {
        bool Flag(string key) => model.TryGetValue(key, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw Fail($"{where}.{key}", $"must be true or false, got {v.GetRawText()}"),
        };

        string type = ModelString(model, "type", where) ?? (merges == null ? "WordPiece" : "BPE");
        if (type is not ("BPE" or "WordPiece")) throw Unsupported(where, "model", type, "BPE, WordPiece");
        if (vocab == null) throw Fail(where + ".vocab", "is missing");
        if (type == "WordPiece")
        {
            long maxChars = model.TryGetValue("max_input_chars_per_word", out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetInt64(out long v) ? v : 100;
            if (maxChars is < 1 or > 1 << 20) throw Fail(where + ".max_input_chars_per_word", $"must be between 1 and {1 << 20}");
            return new WordPieceModel(vocab, ModelString(model, "unk_token", where) ?? "[UNK]", ModelString(model, "continuing_subword_prefix", where) ?? "##", (int)maxChars);
        }
        if (merges == null) throw Fail(where + ".merges", "is missing");
        return new BpeModel(vocab, merges, ModelString(model, "unk_token", where), Flag("fuse_unk"), Flag("byte_fallback"), Flag("ignore_merges"),
            ModelString(model, "continuing_subword_prefix", where), ModelString(model, "end_of_word_suffix", where));
    }

    // At the start of the vocabulary object.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Dictionary<string, int> ReadVocab(ref Utf8JsonReader reader, string where)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Fail(where, "must be an object of token → id");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string token = reader.GetString()!;
            if (token.Length > MaxTokenLength) throw Fail(where, $"has a token longer than {MaxTokenLength} characters");
            if (vocab.Count >= MaxVocabSize) throw Fail(where, $"has more than {MaxVocabSize:N0} entries");
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long id) || id < 0 || id >= MaxVocabSize)
                throw Fail($"{where}[\"{token}\"]", $"must be an integer from 0 to {MaxVocabSize - 1}");
            vocab[token] = (int)id;
        }
        return vocab;
    }

    // At the start of the merges list: "a b" strings or ["a", "b"] pairs; rank is the position in the list. No per-merge allocation.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private MergeTable ReadMerges(ref Utf8JsonReader reader, Dictionary<string, int> vocab, string? prefix, string where)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Fail(where, "must be a list");
        var lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        var merges = new MergeTable(vocab.Count * 2);
        char[] left = new char[256], right = new char[256], joined = new char[512];
        int rank = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (rank >= MaxMerges) throw Fail(where, $"has more than {MaxMerges:N0} entries");
            int leftLength, rightLength;
            if (reader.TokenType == JsonTokenType.String)
            {
                int n = CopyString(ref reader, ref joined);
                int space = joined.AsSpan(0, n).IndexOf(' ');
                if (space <= 0 || space == n - 1) throw Fail($"{where}[{rank}]", $"must be two tokens separated by a space, got \"{joined.AsSpan(0, n)}\"");
                leftLength = space;
                rightLength = n - space - 1;
                Grow(ref left, leftLength);
                Grow(ref right, rightLength);
                joined.AsSpan(0, space).CopyTo(left);
                joined.AsSpan(space + 1, rightLength).CopyTo(right);
            }
            else if (reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                leftLength = CopyString(ref reader, ref left);
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) throw Fail($"{where}[{rank}]", "must be [\"a\", \"b\"]");
                rightLength = CopyString(ref reader, ref right);
                if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray) throw Fail($"{where}[{rank}]", "must be [\"a\", \"b\"]");
            }
            else throw Fail($"{where}[{rank}]", "must be \"a b\" or [\"a\", \"b\"]");

            var l = left.AsSpan(0, leftLength);
            var r = right.AsSpan(0, rightLength);
            if (!lookup.TryGetValue(l, out int a)) throw Fail($"{where}[{rank}]", $"names '{l}', which is not in the vocabulary");
            if (!lookup.TryGetValue(r, out int b)) throw Fail($"{where}[{rank}]", $"names '{r}', which is not in the vocabulary");
            var tail = prefix is { Length: > 0 } && r.StartsWith(prefix, StringComparison.Ordinal) ? r[prefix.Length..] : r;
            Grow(ref joined, l.Length + tail.Length);
            l.CopyTo(joined);
            tail.CopyTo(joined.AsSpan(l.Length));
            var both = joined.AsSpan(0, l.Length + tail.Length);
            if (!lookup.TryGetValue(both, out int result)) throw Fail($"{where}[{rank}]", $"makes '{both}', which is not in the vocabulary");
            merges.Set(a, b, rank, result);
            rank++;
        }
        return merges;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CopyString(ref Utf8JsonReader reader, ref char[] buffer)
    {
        int max = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (max > MaxTokenLength * 4) throw new JsonException($"a string longer than {MaxTokenLength} characters");
        Grow(ref buffer, max);
        return reader.CopyString(buffer);
    }

    private static void Grow(ref char[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new char[Math.Max(length, buffer.Length * 2)];
    }

    private (string? Literal, string? Regex) Pattern(JsonElement obj, string where)
    {
        if (!obj.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.Object) throw Fail(where + ".pattern", "must be {\"String\": ...} or {\"Regex\": ...}");
        if (String(p, "String", where + ".pattern") is { } s) return (s, null);
        if (String(p, "Regex", where + ".pattern") is { } r) return (null, r);
        throw Fail(where + ".pattern", "must be {\"String\": ...} or {\"Regex\": ...}");
    }

    private T Compiling<T>(string where, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw Fail(where + ".pattern", $"is a regex SharpTune cannot run: {e.Message}");
        }
    }

    private Normalizer ReadNormalizer(JsonElement e, string where)
    {
        string type = TypeOf(e, where);
        switch (type)
        {
            case "Sequence":
                var steps = new List<Normalizer>();
                int i = 0;
                foreach (var s in Array(e, "normalizers", where).EnumerateArray()) steps.Add(ReadNormalizer(s, $"{where}.normalizers[{i++}]"));
                return new NormalizerSequence(steps);
            case "NFC": return new UnicodeFormNormalizer(NormalizationKind.Nfc);
            case "NFD": return new UnicodeFormNormalizer(NormalizationKind.Nfd);
            case "NFKC": return new UnicodeFormNormalizer(NormalizationKind.Nfkc);
            case "NFKD": return new UnicodeFormNormalizer(NormalizationKind.Nfkd);
            case "Lowercase": return new LowercaseNormalizer();
            case "BertNormalizer":
                bool lowercase = Bool(e, "lowercase", where, true);
                return new BertNormalizer(Bool(e, "clean_text", where, true), Bool(e, "handle_chinese_chars", where, true),
                    Optional(e, "strip_accents") is { ValueKind: JsonValueKind.True or JsonValueKind.False } sa ? sa.GetBoolean() : lowercase, lowercase);
            case "StripAccents": return new StripAccentsNormalizer();
            case "Strip": return new StripNormalizer(Bool(e, "strip_left", where, true), Bool(e, "strip_right", where, true));
            case "Prepend": return new PrependNormalizer(RequiredString(e, "prepend", where));
            case "Replace":
                var (literal, regex) = Pattern(e, where);
                string content = RequiredString(e, "content", where);
                return Compiling(where, () => new ReplaceNormalizer(literal, regex, content));
            default:
                throw Unsupported(where, "normalizer", type, "Sequence, NFC, NFD, NFKC, NFKD, Lowercase, BertNormalizer, StripAccents, Strip, Prepend, Replace");
        }
    }

    private PreTokenizer ReadPreTokenizer(JsonElement e, string where)
    {
        string type = TypeOf(e, where);
        switch (type)
        {
            case "Sequence":
                var steps = new List<PreTokenizer>();
                int i = 0;
                foreach (var s in Array(e, "pretokenizers", where).EnumerateArray()) steps.Add(ReadPreTokenizer(s, $"{where}.pretokenizers[{i++}]"));
                return new PreTokenizerSequence(steps);
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Bool(e, "add_prefix_space", where, true), Bool(e, "use_regex", where, true));
            case "Split":
                var (literal, regex) = Pattern(e, where);
                var pattern = literal != null ? new LiteralPattern(literal) : Compiling(where, () => RegexPattern.For(regex!));
                return new SplitPreTokenizer(pattern, Behavior(e, where, null), Bool(e, "invert", where, false));
            case "Metaspace":
                return new MetaspacePreTokenizer(Replacement(e, where), Prepend(e, where), Bool(e, "split", where, true));
            case "Digits":
                return new DigitsPreTokenizer(Bool(e, "individual_digits", where, false));
            case "Whitespace":
                return new WhitespacePreTokenizer();
            case "WhitespaceSplit":
                return new WhitespaceSplitPreTokenizer();
            case "Punctuation":
                return new PunctuationPreTokenizer(Behavior(e, where, SplitBehavior.Isolated));
            case "BertPreTokenizer":
                return new BertPreTokenizer();
            default:
                throw Unsupported(where, "pre-tokenizer", type, "Sequence, ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer");
        }
    }

    private SplitBehavior Behavior(JsonElement e, string where, SplitBehavior? fallback)
    {
        var text = String(e, "behavior", where);
        if (text == null) return fallback ?? throw Fail(where + ".behavior", "is missing");
        return Enum.TryParse<SplitBehavior>(text, ignoreCase: true, out var b) && !int.TryParse(text, out _)
            ? b
            : throw Fail(where + ".behavior", $"must be Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous, got '{text}'");
    }

    private string Replacement(JsonElement e, string where)
    {
        var r = String(e, "replacement", where) ?? "\u2581";
        return r.Length > 0 ? r : throw Fail(where + ".replacement", "must not be empty");
    }

    private PrependScheme Prepend(JsonElement e, string where) => String(e, "prepend_scheme", where) switch
    {
        null => Bool(e, "add_prefix_space", where, true) ? PrependScheme.Always : PrependScheme.Never,
        "always" => PrependScheme.Always,
        "first" => PrependScheme.First,
        "never" => PrependScheme.Never,
        var other => throw Fail(where + ".prepend_scheme", $"must be always, first or never, got '{other}'"),
    };

    private PostProcessor ReadPostProcessor(JsonElement e, string where)
    {
        string type = TypeOf(e, where);
        switch (type)
        {
            case "TemplateProcessing":
                var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                if (Optional(e, "special_tokens") is { } map)
                {
                    if (map.ValueKind != JsonValueKind.Object) throw Fail(where + ".special_tokens", "must be an object");
                    foreach (var p in map.EnumerateObject())
                    {
                        string at = $"{where}.special_tokens[\"{p.Name}\"]";
                        var ids = Array(p.Value, "ids", at);
                        specials[p.Name] = ids.EnumerateArray().Select((id, k) => Id(id, $"{at}.ids[{k}]")).ToArray();
                    }
                }
                return new TemplateProcessor(Template(e, "single", where, specials), Template(e, "pair", where, specials));
            case "ByteLevel":
                return new PassThroughProcessor();
            case "BertProcessing" or "RobertaProcessing":
                return new BertProcessor(TokenPair(e, "cls", where), TokenPair(e, "sep", where), type == "RobertaProcessing");
            case "Sequence":
                var steps = new List<PostProcessor>();
                int i = 0;
                foreach (var s in Array(e, "processors", where).EnumerateArray()) steps.Add(ReadPostProcessor(s, $"{where}.processors[{i++}]"));
                return new PostProcessorSequence(steps);
            default:
                throw Unsupported(where, "post-processor", type, "TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence");
        }
    }

    private List<TemplatePiece> Template(JsonElement e, string key, string where, Dictionary<string, int[]> specials)
    {
        var pieces = new List<TemplatePiece>();
        if (Optional(e, key) is not { } list) return pieces;
        if (list.ValueKind != JsonValueKind.Array) throw Fail($"{where}.{key}", "must be a list");
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            string at = $"{where}.{key}[{i++}]";
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("SpecialToken", out var st))
            {
                var name = RequiredString(st, "id", at + ".SpecialToken");
                if (!specials.TryGetValue(name, out var ids)) throw Fail(at, $"names special token '{name}', which special_tokens does not define");
                pieces.Add(new TemplatePiece(false, false, ids));
            }
            else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Sequence", out var seq))
            {
                var id = RequiredString(seq, "id", at + ".Sequence");
                if (id is not ("A" or "B")) throw Fail(at + ".Sequence.id", $"must be A or B, got '{id}'");
                pieces.Add(new TemplatePiece(true, id == "B", []));
            }
            else throw Fail(at, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
        }
        return pieces;
    }

    private int TokenPair(JsonElement e, string key, string where)
    {
        if (!e.TryGetProperty(key, out var pair) || pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
            throw Fail($"{where}.{key}", "must be [token, id]");
        return Id(pair[1], $"{where}.{key}[1]");
    }

    private Decoder ReadDecoder(JsonElement e, string where)
    {
        string type = TypeOf(e, where);
        switch (type)
        {
            case "Sequence":
                var steps = new List<Decoder>();
                int i = 0;
                foreach (var s in Array(e, "decoders", where).EnumerateArray()) steps.Add(ReadDecoder(s, $"{where}.decoders[{i++}]"));
                return new DecoderSequence(steps);
            case "ByteLevel": return new ByteLevelDecoder();
            case "Metaspace": return new MetaspaceDecoder(Replacement(e, where), Prepend(e, where));
            case "ByteFallback": return new ByteFallbackDecoder();
            case "Fuse": return new FuseDecoder();
            case "Strip":
                var content = RequiredString(e, "content", where);
                if (content.Length != 1) throw Fail(where + ".content", "must be one character");
                return new StripDecoder(content[0], Int(e, "start", where, 0, int.MaxValue), Int(e, "stop", where, 0, int.MaxValue));
            case "Replace":
                var (literal, regex) = Pattern(e, where);
                string replacement = RequiredString(e, "content", where);
                return Compiling(where, () => new ReplaceDecoder(new ReplaceNormalizer(literal, regex, replacement)));
            case "BPEDecoder": return new BpeSuffixDecoder(String(e, "suffix", where) ?? "</w>");
            case "WordPiece": return new WordPieceDecoder(String(e, "prefix", where) ?? "##", Bool(e, "cleanup", where, true));
            default:
                throw Unsupported(where, "decoder", type, "Sequence, ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, WordPiece");
        }
    }
}
