using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Tokenization.Training;

/// <summary>
/// Reads tokenizer training text: a <c>.txt</c> file is one document, a <c>.jsonl</c> file holds one document per
/// line in its <c>"text"</c> field (blank lines are skipped), the same inputs the pretraining recipe reads.
/// </summary>
public static class TrainingTextReader
{
    /// <summary>How much of a .txt file is held at once, in characters, before it is cut at a piece boundary.</summary>
    private const int ChunkChars = 1 << 20;

    /// <summary>A .txt file with no usable cut in this many characters is cut anyway (the one piece there may be split).</summary>
    private const int MaxChunkChars = 1 << 24;

    /// <summary>
    /// The texts of <paramref name="path"/> for <see cref="BpeTrainer.AddText(string)"/>. A large .txt file comes in
    /// chunks cut after a newline that is followed by a non-space character, where no <see cref="Llama3PreTokenizer"/>
    /// piece and no occurrence of <paramref name="specialTokens"/> can span the cut, so chunking changes no count.
    /// </summary>
    /// <exception cref="SharpTuneException">The file is missing, of an unknown kind, or a .jsonl line is not an object with a string "text".</exception>
    /// <param name="path">The file.</param>
    /// <param name="specialTokens">Tokens no chunk cut may split.</param>
    /// <param name="plainText">Read the file as plain text whatever its extension (a dataset with <c>ds_type: text</c>).</param>
    public static IEnumerable<string> ReadDocuments(string path, IReadOnlyList<string>? specialTokens = null, bool plainText = false)
    {
        if (!File.Exists(path))
            throw new SharpTuneException(Directory.Exists(path) ? $"{path}: is a folder; give the .txt or .jsonl files in it" : $"{path}: file not found");
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (plainText) return ReadText(path, specialTokens ?? []);
        return extension switch
        {
            ".jsonl" => ReadJsonl(path),
            ".txt" or ".text" or ".md" => ReadText(path, specialTokens ?? []),
            _ => throw new SharpTuneException($"{path}: unsupported input '{extension}'; use .txt (the whole file is text), .jsonl (a \"text\" field per line), or ds_type: text"),
        };
    }

    private static IEnumerable<string> ReadJsonl(string path)
    {
        using var reader = OpenText(path);
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                throw new SharpTuneException($"{path}:{lineNo}: invalid JSON: {e.Message}");
            }
            if (node is not JsonObject obj || obj["text"] is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
                throw new SharpTuneException($"{path}:{lineNo}: each line must be a JSON object with a string field 'text'");
            yield return text.GetValue<string>();
        }
    }

    private static IEnumerable<string> ReadText(string path, IReadOnlyList<string> specialTokens)
    {
        using var reader = OpenText(path);
        char[] buffer = new char[ChunkChars];
        int filled = 0;
        while (true)
        {
            int read = reader.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            if (read == 0)
            {
                if (filled > 0) yield return new string(buffer, 0, filled);
                yield break;
            }
            if (filled < buffer.Length) continue;
            int cut = SafeCut(buffer, filled, specialTokens);
            if (cut <= 0)
            {
                if (buffer.Length < MaxChunkChars)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                    continue;
                }
                cut = char.IsHighSurrogate(buffer[filled - 1]) ? filled - 1 : filled;
            }
            yield return new string(buffer, 0, cut);
            Array.Copy(buffer, cut, buffer, 0, filled - cut);
            filled -= cut;
        }
    }

    /// <summary>The last position c with a newline before it and a non-space character at it that no special token spans, or 0.</summary>
    private static int SafeCut(char[] text, int length, IReadOnlyList<string> specialTokens)
    {
        for (int c = length - 1; c > 0; c--)
        {
            if (text[c - 1] != '\n' || char.IsWhiteSpace(text[c]) || text[c] == '\uFEFF') continue;
            if (!SpecialTokenSpans(text, length, c, specialTokens)) return c;
        }
        return 0;
    }

    private static bool SpecialTokenSpans(char[] text, int length, int cut, IReadOnlyList<string> specialTokens)
    {
        foreach (var special in specialTokens)
            for (int k = 1; k < special.Length; k++)
            {
                int start = cut - k;
                if (start >= 0 && start + special.Length <= length && text.AsSpan(start, special.Length).SequenceEqual(special)) return true;
            }
        return false;
    }

    private static StreamReader OpenText(string path)
    {
        try
        {
            return new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneException($"{path}: cannot read: {e.Message}", e);
        }
    }
}
