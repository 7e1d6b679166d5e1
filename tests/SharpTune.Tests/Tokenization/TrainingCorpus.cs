using System.Text;

namespace SharpTune.Tests.Tokenization;

/// <summary>Small deterministic texts for tokenizer training tests: English-like prose with numbers, punctuation, newlines and non-Latin scripts.</summary>
internal static class TrainingCorpus
{
    private static readonly string[] Words =
    [
        "the", "a", "of", "tokenizer", "token", "tokens", "train", "training", "model", "models", "data", "byte", "pair",
        "merge", "merges", "vocabulary", "text", "is", "are", "was", "it", "and", "or", "to", "in", "on", "with", "from",
        "language", "large", "small", "fast", "slow", "learning", "rate", "loss", "step", "steps", "batch", "don't",
        "it's", "we're", "they'll", "I'm", "café", "naïve", "Straße", "東京", "日本語", "данные", "модель", "ελληνικά",
        "नमस्ते", "مرحبا", "𝐁𝐨𝐥𝐝", "𠀀𠀁", "🙂", "👍🏽", "👨‍👩‍👧",
    ];

    private static readonly string[] Punctuation = [".", ",", "!", "?", ";", ":", " -", " (", ")", "\"", "...", " ==", " ->"];

    /// <summary><paramref name="count"/> documents of roughly <paramref name="words"/> words each, the same for the same seed.</summary>
    public static List<string> Documents(int seed, int count, int words)
    {
        var random = new Random(seed);
        var documents = new List<string>(count);
        for (int d = 0; d < count; d++)
        {
            var text = new StringBuilder();
            for (int w = 0; w < words; w++)
            {
                if (w > 0) text.Append(random.Next(40) == 0 ? "\n" : random.Next(60) == 0 ? "\n\n  " : random.Next(80) == 0 ? "\t" : " ");
                int kind = random.Next(20);
                if (kind == 0) text.Append(random.Next(100_000));
                else text.Append(Words[(int)Math.Min(Words.Length - 1, Math.Floor(Math.Pow(random.NextDouble(), 2) * Words.Length))]);
                if (kind == 1) text.Append(Punctuation[random.Next(Punctuation.Length)]);
            }
            documents.Add(text.ToString());
        }
        return documents;
    }

    /// <summary>Random short strings over characters that stress the pre-tokenizer's edge cases.</summary>
    public static List<string> TrickyStrings(int seed, int count)
    {
        string[] atoms =
        [
            "a", "Z", "é", "ß", "東", "д", "\u0301", "\u093F", "𝐀", "𠀀", "🙂", "👍🏽", "\u200D", "0", "7", "٣", "²", "Ⅻ", "'", "s", "S",
            "t", "re", "VE", "ll", "d", "m", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00A0", "\u3000", "\uFEFF", "\u0085", "\u2028",
            ".", "!", "?", "-", "(", "\"", "#", "$", "_", "€", "…", "<", "|", ">",
        ];
        var random = new Random(seed);
        var strings = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            int length = 1 + random.Next(14);
            for (int k = 0; k < length; k++) text.Append(atoms[random.Next(atoms.Length)]);
            strings.Add(text.ToString());
        }
        return strings;
    }
}
