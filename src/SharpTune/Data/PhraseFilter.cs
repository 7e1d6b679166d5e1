using System.Text;

namespace SharpTune.Data;

/// <summary>
/// Finds boilerplate and refusals in the text a model would be trained to say. Matching ignores case, treats curly
/// apostrophes and quotes as straight ones and collapses whitespace, so "I’m  sorry, but I cannot" matches "i'm sorry, but i cannot".
/// </summary>
public sealed class PhraseFilter
{
    /// <summary>The phrases filtered unless <c>default_phrases: false</c>: assistant boilerplate and refusals common in synthetic chat data.</summary>
    public static IReadOnlyList<string> DefaultPhrases { get; } =
    [
        "as an AI language model",
        "as a language model",
        "as a large language model",
        "as an AI assistant, I",
        "as an AI, I",
        "I'm just an AI",
        "I am just an AI",
        "I'm sorry, but I cannot",
        "I'm sorry, but I can't",
        "I am sorry, but I cannot",
        "I apologize, but I cannot",
        "I apologize, but I can't",
        "I cannot fulfill",
        "I can't fulfill",
        "I'm unable to assist with",
        "I cannot assist with that",
        "I can't assist with that",
        "I'm not able to provide",
        "it is not appropriate for me to",
        "against my programming",
        "I don't have personal opinions",
        "I do not have personal opinions",
        "I don't have personal feelings",
        "my knowledge cutoff",
        "as of my last knowledge update",
        "as of my last update",
        "trained by OpenAI",
        "developed by OpenAI",
    ];

    private readonly (string Normalized, string Original)[] phrases;

    /// <summary>A filter for <paramref name="phrases"/>.</summary>
    public PhraseFilter(IEnumerable<string> phrases)
    {
        this.phrases = phrases.Select(p => (Normalize(p), p)).Where(p => p.Item1.Length > 0).ToArray();
    }

    /// <summary>Whether any phrase is set.</summary>
    public bool IsEmpty => phrases.Length == 0;

    /// <summary>The first phrase found in any of <paramref name="texts"/>, or null.</summary>
    public string? FindIn(IEnumerable<string> texts)
    {
        if (phrases.Length == 0) return null;
        foreach (var text in texts)
        {
            string normalized = Normalize(text);
            foreach (var (phrase, original) in phrases)
                if (normalized.Contains(phrase, StringComparison.Ordinal)) return original;
        }
        return null;
    }

    /// <summary>Lower case, straight apostrophes and quotes, whitespace collapsed to single spaces.</summary>
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char raw in text)
        {
            char c = raw switch
            {
                '\u2018' or '\u2019' or '\u02BC' or '\u2032' => '\'',
                '\u201C' or '\u201D' => '"',
                _ => char.ToLowerInvariant(raw),
            };
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString();
    }
}
