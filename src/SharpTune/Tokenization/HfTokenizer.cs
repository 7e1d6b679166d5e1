using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization.Hf;

namespace SharpTune.Tokenization;

/// <summary>
/// A Hugging Face tokenizer read from a folder's <c>tokenizer.json</c> (and <c>tokenizer_config.json</c>): added tokens,
/// normalizer, pre-tokenizer, BPE model, post-processor and decoder, with the ids of the reference implementations
/// (checked against transformers.js's port on Llama 2/3, Qwen 3, Gemma 3 and DeepSeek V3). Thread-safe.
/// </summary>
/// <remarks>
/// <para><c>addSpecialTokens</c> applies the tokenizer.json post-processor, as the tokenizers library does;
/// <c>add_bos_token</c>/<c>add_eos_token</c> in tokenizer_config.json are read into <see cref="Config"/> but not applied
/// on top of it (transformers' slow Llama/Gemma classes would; the fast path and the reference port do not).</para>
/// <para>Regexes run with JavaScript's Unicode-mode meaning of <c>\s</c> (it includes U+FEFF, not U+0085), as in the reference.</para>
/// </remarks>
public sealed class HfTokenizer : ITokenizer
{
    /// <summary>The file name the tokenizers library uses.</summary>
    public const string FileName = "tokenizer.json";

    [ThreadStatic] private static PreTokenizeScratch? t_scratch;

    private readonly TokenizerJson _json;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly bool _deferBytes;
    private readonly string?[] _idToToken;
    private readonly bool[] _special;
    private readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    private readonly bool _cleanUpSpaces;

    private HfTokenizer(TokenizerJson json, TokenizerConfig config, string source)
    {
        _json = json;
        Config = config;
        foreach (var t in json.AddedTokens) _addedByContent[t.Content] = t.Id;
        _rawMatcher = new AddedTokenMatcher(json.AddedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalizedMatcher = new AddedTokenMatcher(json.AddedTokens.Where(t => t.Normalized)
            .Select(t => (json.Normalizer?.Normalize(t.Content) ?? t.Content, t)));

        // A byte-level step at the end of pre-tokenization hands raw text to the model, which reads its bytes directly.
        var lastStep = json.PreTokenizer is PreTokenizerSequence seq && seq.Steps.Count > 0 ? seq.Steps[^1] : json.PreTokenizer;
        if (lastStep is ByteLevelPreTokenizer byteLevel)
        {
            byteLevel.DeferBytes = true;
            _deferBytes = true;
        }

        int size = 0;
        foreach (var id in json.Model.Vocab.Values) size = Math.Max(size, id + 1);
        foreach (var t in json.AddedTokens) size = Math.Max(size, t.Id + 1);
        _idToToken = new string?[size];
        foreach (var (token, id) in json.Model.Vocab) _idToToken[id] = token;
        foreach (var t in json.AddedTokens) _idToToken[t.Id] = t.Content;

        _special = new bool[size];
        foreach (var t in json.AddedTokens) if (t.Special) _special[t.Id] = true;
        foreach (var name in ConfigSpecialTokens(config, source))
            if (TokenToId(name) is { } id) _special[id] = true;

        var added = new HashSet<string>(json.AddedTokens.Select(t => t.Content), StringComparer.Ordinal);
        foreach (var d in AllDecoders(json.Decoder)) d.AddedTokens = added;

        BosId = IdOf(config.BosToken);
        EosId = IdOf(config.EosToken);
        PadId = IdOf(config.PadToken);
        UnkId = IdOf(config.UnkToken) ?? (json.Model.UnkId >= 0 ? json.Model.UnkId : null);
        _cleanUpSpaces = config.Raw["clean_up_tokenization_spaces"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;
    }

    /// <summary>
    /// Reads <c>tokenizer.json</c> and (when present) <c>tokenizer_config.json</c> from <paramref name="folder"/>.
    /// Throws <see cref="SharpTuneException"/> naming the file and entry for anything malformed or unsupported.
    /// </summary>
    public static HfTokenizer Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new SharpTuneException($"{folder}: no {FileName} in this folder");
        return new HfTokenizer(TokenizerJson.Read(path), TokenizerConfig.Load(folder), Path.Combine(folder, TokenizerConfig.FileName));
    }

    /// <summary>The folder's tokenizer_config.json: special-token strings, add_bos/eos flags, chat templates.</summary>
    public TokenizerConfig Config { get; }

    /// <inheritdoc/>
    public long VocabSize => _idToToken.Length;

    /// <inheritdoc/>
    public long? BosId { get; }

    /// <inheritdoc/>
    public long? EosId { get; }

    /// <inheritdoc/>
    public long? PadId { get; }

    /// <summary>The unknown-token id, if the tokenizer has one.</summary>
    public long? UnkId { get; }

    /// <inheritdoc/>
    public IReadOnlyList<long> Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = EncodeSequence(text);
        return ToLongs(_json.PostProcessor?.Process(ids, null, addSpecialTokens) ?? ids);
    }

    /// <summary>Encodes a pair of texts (e.g. question and passage) as the post-processor's pair template joins them.</summary>
    public IReadOnlyList<long> EncodePair(string text, string pair, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pair);
        var first = EncodeSequence(text);
        var second = EncodeSequence(pair);
        if (_json.PostProcessor != null) return ToLongs(_json.PostProcessor.Process(first, second, addSpecialTokens));
        first.AddRange(second);
        return ToLongs(first);
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<long> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            // Ids outside the vocabulary (a model's padded embedding rows) have no text; tokenizers skips them too.
            if (id < 0 || id >= _idToToken.Length || _idToToken[id] is not { } token) continue;
            if (skipSpecialTokens && _special[id]) continue;
            tokens.Add(token);
        }
        var text = _json.Decoder?.Decode(tokens) ?? string.Join(" ", tokens);
        return _cleanUpSpaces ? CleanUpTokenization(text) : text;
    }

    /// <summary>The id of <paramref name="token"/> (an added token or a vocabulary entry, written as in tokenizer.json), or null.</summary>
    public long? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedByContent.TryGetValue(token, out var added)) return added;
        return _json.Model.Vocab.TryGetValue(token, out var id) ? id : null;
    }

    /// <summary>The token <paramref name="id"/> stands for, as written in tokenizer.json (byte-level tokens in GPT-2's alphabet), or null.</summary>
    public string? IdToToken(long id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    /// <summary>Whether <paramref name="id"/> is a special token (left out by <see cref="Decode"/> with skipSpecialTokens).</summary>
    public bool IsSpecialToken(long id) => id >= 0 && id < _special.Length && _special[id];

    /// <summary>transformers' <c>clean_up_tokenization</c>: drops the space before . ? ! , and English contractions.</summary>
    internal static string CleanUpTokenization(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal).Replace(" 're", "'re", StringComparison.Ordinal);

    private List<int> EncodeSequence(string text)
    {
        text = CodePoints.ReplaceLoneSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (_rawMatcher.IsEmpty)
        {
            EncodeText(text, 0, text.Length, ids);
            return ids;
        }
        var sections = new List<Section>();
        _rawMatcher.Split(text, 0, text.Length, sections);
        foreach (var s in sections)
        {
            if (s.IsToken) ids.Add(s.TokenId);
            else EncodeText(text, s.Start, s.Length, ids);
        }
        return ids;
    }

    // Ordinary text between added tokens: normalize, find normalized added tokens, pre-tokenize, run the model.
    private void EncodeText(string text, int start, int length, List<int> ids)
    {
        bool atStart = start == 0;
        if (_json.Normalizer != null)
        {
            text = _json.Normalizer.Normalize(start == 0 && length == text.Length ? text : text.Substring(start, length));
            start = 0;
            length = text.Length;
        }
        if (length == 0) return;
        if (_normalizedMatcher.IsEmpty)
        {
            Model(new Piece(text, start, length, atStart), ids);
            return;
        }
        var sections = new List<Section>();
        _normalizedMatcher.Split(text, start, length, sections);
        foreach (var s in sections)
        {
            if (s.IsToken) ids.Add(s.TokenId);
            else Model(new Piece(text, s.Start, s.Length, atStart && s.Start == start), ids);
        }
    }

    private void Model(Piece piece, List<int> ids)
    {
        if (_json.PreTokenizer == null)
        {
            _json.Model.Encode(piece.Span, bytes: false, ids);
            return;
        }
        var scratch = t_scratch ??= new PreTokenizeScratch();
        var pieces = new List<Piece>();
        _json.PreTokenizer.PreTokenize([piece], pieces, scratch);
        foreach (var p in pieces) _json.Model.Encode(p.Span, _deferBytes, ids);
    }

    private long? IdOf(string? token) => token == null ? null : TokenToId(token);

    private static long[] ToLongs(List<int> ids)
    {
        var result = new long[ids.Count];
        for (int i = 0; i < result.Length; i++) result[i] = ids[i];
        return result;
    }

    private static IEnumerable<ByteLevelDecoder> AllDecoders(Hf.Decoder? decoder) => decoder switch
    {
        ByteLevelDecoder b => [b],
        DecoderSequence s => s.Steps.SelectMany(AllDecoders),
        _ => [],
    };

    // bos/eos/unk/pad and additional_special_tokens count as special when decoding, as in transformers.
    private static IEnumerable<string> ConfigSpecialTokens(TokenizerConfig config, string source)
    {
        foreach (var t in new[] { config.BosToken, config.EosToken, config.UnkToken, config.PadToken })
            if (t != null) yield return t;
        if (config.Raw["additional_special_tokens"] is JsonArray extra)
            for (int i = 0; i < extra.Count; i++)
            {
                var holder = new JsonObject { ["t"] = extra[i]?.DeepClone() };
                if (TokenizerConfig.TokenText(holder, "t", $"{source}: additional_special_tokens[{i}]") is { } text) yield return text;
            }
    }
}
