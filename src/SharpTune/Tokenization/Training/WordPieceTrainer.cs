using System.Globalization;
using SharpTune.Tokenization.Hf;

namespace SharpTune.Tokenization.Training;

/// <summary>
/// Learns a WordPiece vocabulary the way Hugging Face's WordPieceTrainer does it: text is normalized and split as
/// BERT does (lowercased, accents stripped, split at whitespace and punctuation), every word starts as its first
/// character followed by <c>##</c>-prefixed continuation characters, and the most frequent adjacent pair is merged
/// into a new token, again and again, until the vocabulary (special tokens and alphabet included) has its size.
/// Ties go to the pair that sorts first, so the result is deterministic.
/// </summary>
/// <param name="vocabSize">The vocabulary size to reach, counting the special tokens and the alphabet.</param>
/// <param name="minFrequency">Merge only pairs seen at least this often.</param>
/// <param name="specialTokens">Tokens given the first ids, in order (e.g. [PAD], [UNK], [CLS], [SEP], [MASK]).</param>
public sealed class WordPieceTrainer(int vocabSize, long minFrequency, IReadOnlyList<string> specialTokens)
{
    /// <summary>The prefix of a piece that continues a word.</summary>
    public const string Prefix = "##";

    private readonly BertNormalizer normalizer = new(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true);
    private readonly Dictionary<string, long> words = new(StringComparer.Ordinal);

    /// <summary>Distinct words seen.</summary>
    public int WordCount => words.Count;

    /// <summary>Counts the words of <paramref name="text"/>.</summary>
    public void AddText(string text)
    {
        foreach (var word in Words(normalizer.Normalize(text)))
            words[word] = words.GetValueOrDefault(word) + 1;
    }

    /// <summary>The vocabulary in id order: the special tokens, the alphabet (sorted), then one token per merge.</summary>
    public IReadOnlyList<string> Train()
    {
        var vocab = new List<string>(specialTokens);
        var known = new HashSet<string>(vocab, StringComparer.Ordinal);
        var symbols = words.Select(w => (Pieces: Split(w.Key), Count: w.Value)).ToList();
        foreach (var piece in symbols.SelectMany(s => s.Pieces).Distinct().Order(StringComparer.Ordinal))
            if (known.Add(piece)) vocab.Add(piece);
        while (vocab.Count < vocabSize)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (pieces, count) in symbols)
                for (int i = 0; i + 1 < pieces.Count; i++)
                {
                    var key = (pieces[i], pieces[i + 1]);
                    pairs[key] = pairs.GetValueOrDefault(key) + count;
                }
            var best = pairs.Where(p => p.Value >= minFrequency)
                .OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .Select(p => ((string, string)?)p.Key).FirstOrDefault();
            if (best is not { } pair) break;
            string merged = pair.Item1 + pair.Item2[Prefix.Length..];
            if (known.Add(merged)) vocab.Add(merged);
            foreach (var (pieces, _) in symbols)
                for (int i = 0; i + 1 < pieces.Count; i++)
                    if (pieces[i] == pair.Item1 && pieces[i + 1] == pair.Item2)
                    {
                        pieces[i] = merged;
                        pieces.RemoveAt(i + 1);
                    }
        }
        return vocab;
    }

    /// <summary>A word as its first character and <c>##</c>-prefixed continuation characters (whole code points).</summary>
    private static List<string> Split(string word)
    {
        var pieces = new List<string>();
        for (int i = 0; i < word.Length;)
        {
            int length = char.IsSurrogatePair(word, i) ? 2 : 1;
            pieces.Add((i == 0 ? "" : Prefix) + word.Substring(i, length));
            i += length;
        }
        return pieces;
    }

    /// <summary>BERT's pre-tokenization: split at whitespace (dropped) and around each punctuation character (kept alone).</summary>
    internal static IEnumerable<string> Words(string text)
    {
        int start = -1;
        for (int i = 0; i < text.Length;)
        {
            int cp = CodePoints.At(text, i, out int length);
            bool space = cp <= 0xFFFF && char.IsWhiteSpace((char)cp);
            bool punctuation = IsPunctuation(cp);
            if (space || punctuation)
            {
                if (start >= 0) yield return text[start..i];
                start = -1;
                if (punctuation) yield return text.Substring(i, length);
            }
            else if (start < 0) start = i;
            i += length;
        }
        if (start >= 0) yield return text[start..];
    }

    private static bool IsPunctuation(int cp) =>
        cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)
        || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
