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

    public required BpeModel Model { get; init; }
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
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        using (doc)
        {
            var reader = new TokenizerJson(path) { Model = null!, AddedTokens = [] };
            return reader.ReadRoot(doc.RootElement);
        }
    }

    private TokenizerJson ReadRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Fail("$", "must be a JSON object");
        var added = ReadAddedTokens(root, "added_tokens");
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object) throw Fail("model", "is missing");
        var bpe = ReadModel(model, "model");
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in added) special[t.Content] = t.Id;
        return new TokenizerJson(_path)
        {
            Model = bpe,
            AddedTokens = added,
            Normalizer = Optional(root, "normalizer") is { } n ? ReadNormalizer(n, "normalizer") : null,
            PreTokenizer = Optional(root, "pre_tokenizer") is { } p ? ReadPreTokenizer(p, "pre_tokenizer") : null,
            PostProcessor = Optional(root, "post_processor") is { } pp ? ReadPostProcessor(pp, "post_processor", bpe, special) : null,
            Decoder = Optional(root, "decoder") is { } d ? ReadDecoder(d, "decoder") : null,
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

    private List<AddedToken> ReadAddedTokens(JsonElement root, string where)
    {
        var list = new List<AddedToken>();
        if (Optional(root, "added_tokens") is not { } array) return list;
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

    private BpeModel ReadModel(JsonElement model, string where)
    {
        string type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "BPE";
        if (type != "BPE") throw Unsupported(where, "model", type, "BPE");
        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            throw Fail(where + ".vocab", "must be an object of token → id");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabJson.EnumerateObject())
        {
            if (vocab.Count >= MaxVocabSize) throw Fail(where + ".vocab", $"has more than {MaxVocabSize:N0} entries");
            if (entry.Name.Length > MaxTokenLength) throw Fail(where + ".vocab", $"has a token longer than {MaxTokenLength} characters");
            vocab[entry.Name] = Id(entry.Value, $"{where}.vocab[\"{entry.Name}\"]");
        }

        string? prefix = String(model, "continuing_subword_prefix", where);
        var mergesJson = Array(model, "merges", where);
        int count = mergesJson.GetArrayLength();
        if (count > MaxMerges) throw Fail(where + ".merges", $"has more than {MaxMerges:N0} entries");
        var merges = new MergeTable(count);
        var lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        int rank = 0;
        Span<char> joined = stackalloc char[256];
        foreach (var m in mergesJson.EnumerateArray())
        {
            string at = $"{where}.merges[{rank}]";
            string left, right;
            if (m.ValueKind == JsonValueKind.String)
            {
                var s = m.GetString()!;
                int space = s.IndexOf(' ');
                if (space <= 0 || space == s.Length - 1) throw Fail(at, $"must be two tokens separated by a space, got \"{s}\"");
                left = s[..space];
                right = s[(space + 1)..];
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
            {
                left = m[0].GetString()!;
                right = m[1].GetString()!;
            }
            else throw Fail(at, $"must be \"a b\" or [\"a\", \"b\"], got {m.GetRawText()}");
            if (!vocab.TryGetValue(left, out int a)) throw Fail(at, $"names '{left}', which is not in the vocabulary");
            if (!vocab.TryGetValue(right, out int b)) throw Fail(at, $"names '{right}', which is not in the vocabulary");
            var tail = prefix is { Length: > 0 } && right.StartsWith(prefix, StringComparison.Ordinal) ? right.AsSpan(prefix.Length) : right.AsSpan();
            int length = left.Length + tail.Length;
            var buffer = length <= joined.Length ? joined[..length] : new char[length];
            left.AsSpan().CopyTo(buffer);
            tail.CopyTo(buffer[left.Length..]);
            if (!lookup.TryGetValue(buffer, out int result))
                throw Fail(at, $"makes '{buffer}', which is not in the vocabulary");
            merges.Set(a, b, rank, result);
            rank++;
        }
        return new BpeModel(vocab, merges, String(model, "unk_token", where), Bool(model, "fuse_unk", where, false),
            Bool(model, "byte_fallback", where, false), Bool(model, "ignore_merges", where, false), prefix,
            String(model, "end_of_word_suffix", where));
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
            case "StripAccents": return new StripAccentsNormalizer();
            case "Strip": return new StripNormalizer(Bool(e, "strip_left", where, true), Bool(e, "strip_right", where, true));
            case "Prepend": return new PrependNormalizer(RequiredString(e, "prepend", where));
            case "Replace":
                var (literal, regex) = Pattern(e, where);
                string content = RequiredString(e, "content", where);
                return Compiling(where, () => new ReplaceNormalizer(literal, regex, content));
            default:
                throw Unsupported(where, "normalizer", type, "Sequence, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace");
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

    private PostProcessor ReadPostProcessor(JsonElement e, string where, BpeModel model, Dictionary<string, int> added)
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
                foreach (var s in Array(e, "processors", where).EnumerateArray()) steps.Add(ReadPostProcessor(s, $"{where}.processors[{i++}]", model, added));
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
