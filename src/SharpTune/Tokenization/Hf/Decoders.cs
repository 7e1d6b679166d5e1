using System.Text;

namespace SharpTune.Tokenization.Hf;

/// <summary>A tokenizer.json decoder: turns token strings back into text, a step at a time.</summary>
internal abstract class Decoder
{
    public abstract List<string> DecodeChain(List<string> tokens);

    public string Decode(List<string> tokens) => string.Concat(DecodeChain(tokens));
}

internal sealed class DecoderSequence(IReadOnlyList<Decoder> steps) : Decoder
{
    public IReadOnlyList<Decoder> Steps => steps;

    public override List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}

/// <summary>
/// Byte-level: each run of ordinary tokens is read back through <see cref="ByteLevelAlphabet"/> to bytes and decoded
/// as UTF-8 (invalid sequences become U+FFFD); added tokens are kept as written.
/// </summary>
internal sealed class ByteLevelDecoder : Decoder
{
    public IReadOnlySet<string> AddedTokens { get; set; } = new HashSet<string>();

    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>();
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        void Flush()
        {
            if (bytes.Count == 0) return;
            result.Add(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (var token in tokens)
        {
            if (AddedTokens.Contains(token))
            {
                Flush();
                result.Add(token);
                continue;
            }
            foreach (var c in token)
            {
                if (ByteLevelAlphabet.TryGetByte(c, out var b)) bytes.Add(b);
                else
                {
                    // Not in the alphabet: keep the character's own UTF-8 bytes.
                    int n = Encoding.UTF8.GetBytes([c], utf8);
                    for (int i = 0; i < n; i++) bytes.Add(utf8[i]);
                }
            }
        }
        Flush();
        return result;
    }
}

/// <summary>Metaspace: the replacement character back to spaces, dropping the one the encoder put in front.</summary>
internal sealed class MetaspaceDecoder(string replacement, PrependScheme scheme) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var text = tokens[i].Replace(replacement, " ", StringComparison.Ordinal);
            if (i == 0 && scheme != PrependScheme.Never && text.StartsWith(' ')) text = text[1..];
            result.Add(text);
        }
        return result;
    }
}

/// <summary>Byte fallback: runs of <c>&lt;0xNN&gt;</c> tokens become the text their bytes spell (U+FFFD where invalid).</summary>
internal sealed class ByteFallbackDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            if (TryParseByte(token, out byte b))
            {
                bytes.Add(b);
                continue;
            }
            if (bytes.Count > 0) { result.Add(Encoding.UTF8.GetString(bytes.ToArray())); bytes.Clear(); }
            result.Add(token);
        }
        if (bytes.Count > 0) result.Add(Encoding.UTF8.GetString(bytes.ToArray()));
        return result;
    }

    private static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out value);
    }
}

/// <summary>Joins all tokens into one.</summary>
internal sealed class FuseDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing copies of a character from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var token in tokens)
        {
            int from = 0;
            while (from < start && from < token.Length && token[from] == content) from++;
            int to = token.Length;
            while (token.Length - to < stop && to > from && token[to - 1] == content) to--;
            result.Add(token[from..to]);
        }
        return result;
    }
}

/// <summary>Replaces a string or regex pattern in each token.</summary>
internal sealed class ReplaceDecoder(ReplaceNormalizer replace) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => tokens.Select(replace.Apply).ToList();
}

/// <summary>BPE's end-of-word suffix becomes a space (none after the last token).</summary>
internal sealed class BpeSuffixDecoder(string suffix) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) =>
        tokens.Select((t, i) => t.Replace(suffix, i == tokens.Count - 1 ? "" : " ", StringComparison.Ordinal)).ToList();
}

/// <summary>WordPiece: tokens that continue a word lose their prefix, others get a space before them.</summary>
internal sealed class WordPieceDecoder(string prefix, bool cleanup) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i > 0) token = token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            result.Add(cleanup ? HfTokenizer.CleanUpTokenization(token) : token);
        }
        return result;
    }
}
