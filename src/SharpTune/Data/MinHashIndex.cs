namespace SharpTune.Data;

/// <summary>
/// Near-duplicate detection by MinHash with banded locality-sensitive hashing. A text becomes the set of its word
/// shingles (runs of <c>shingleSize</c> lower-cased words); its signature is the minimum, over the shingles, of each of
/// bands × rows seeded hash functions. Texts whose signatures agree on all rows of at least one band are candidates;
/// a candidate whose signatures agree in at least <c>threshold</c> of all positions (the MinHash estimate of the
/// Jaccard similarity of the shingle sets) is a near duplicate. Everything is seeded, so results repeat run to run.
/// </summary>
public sealed class MinHashIndex
{
    private readonly int shingleSize;
    private readonly int bands;
    private readonly int rows;
    private readonly double threshold;
    private readonly ulong[] seeds;
    private readonly Dictionary<(int Band, ulong Key), List<int>> buckets = new();
    private readonly List<ulong[]> signatures = new();

    /// <summary>An empty index.</summary>
    public MinHashIndex(int shingleSize, int bands, int rows, double threshold, long seed)
    {
        if (shingleSize < 1 || bands < 1 || rows < 1) throw new ArgumentOutOfRangeException(nameof(bands), "shingle size, bands and rows must be at least 1");
        this.shingleSize = shingleSize;
        this.bands = bands;
        this.rows = rows;
        this.threshold = threshold;
        seeds = new ulong[bands * rows];
        ulong state = (ulong)seed ^ 0x5348415250_54554EUL;
        for (int i = 0; i < seeds.Length; i++) seeds[i] = SplitMix(ref state);
    }

    /// <summary>
    /// Adds <paramref name="text"/> unless it nearly duplicates a text already added; returns the index (in adding
    /// order) of that earlier text and the estimated similarity, or null when the text was added.
    /// Texts without words are added without comparison.
    /// </summary>
    public (int Match, double Similarity)? AddOrMatch(string text)
    {
        var signature = Signature(text);
        if (signature is null)
        {
            signatures.Add([]);
            return null;
        }
        var keys = new ulong[bands];
        var seen = new HashSet<int>();
        for (int b = 0; b < bands; b++)
        {
            keys[b] = BandKey(signature, b);
            if (!buckets.TryGetValue((b, keys[b]), out var members)) continue;
            foreach (int other in members)
            {
                if (!seen.Add(other)) continue;
                double similarity = Similarity(signature, signatures[other]);
                if (similarity >= threshold) return (other, similarity);
            }
        }
        int id = signatures.Count;
        signatures.Add(signature);
        for (int b = 0; b < bands; b++)
        {
            if (!buckets.TryGetValue((b, keys[b]), out var members)) buckets[(b, keys[b])] = members = [];
            members.Add(id);
        }
        return null;
    }

    /// <summary>The estimated Jaccard similarity of the word shingles of two texts (for tests and reports).</summary>
    public double EstimateSimilarity(string a, string b)
    {
        var sa = Signature(a);
        var sb = Signature(b);
        return sa is null || sb is null ? 0 : Similarity(sa, sb);
    }

    private static double Similarity(ulong[] a, ulong[] b)
    {
        int same = 0;
        for (int i = 0; i < a.Length; i++) if (a[i] == b[i]) same++;
        return (double)same / a.Length;
    }

    private ulong BandKey(ulong[] signature, int band)
    {
        ulong key = 0xCBF29CE484222325UL;
        for (int r = 0; r < rows; r++) key = Mix(key ^ signature[band * rows + r]);
        return key;
    }

    private ulong[]? Signature(string text)
    {
        var words = Words(text);
        if (words.Count == 0) return null;
        var signature = new ulong[seeds.Length];
        Array.Fill(signature, ulong.MaxValue);
        int count = Math.Max(1, words.Count - shingleSize + 1);
        for (int start = 0; start < count; start++)
        {
            ulong shingle = 0xCBF29CE484222325UL;
            for (int w = start; w < Math.Min(words.Count, start + shingleSize); w++) shingle = Mix(shingle ^ words[w]);
            for (int i = 0; i < seeds.Length; i++)
            {
                ulong h = Mix(shingle ^ seeds[i]);
                if (h < signature[i]) signature[i] = h;
            }
        }
        return signature;
    }

    /// <summary>Hashes of the lower-cased words (runs of letters and digits) of <paramref name="text"/>.</summary>
    private static List<ulong> Words(string text)
    {
        var words = new List<ulong>();
        ulong hash = 0;
        bool inWord = false;
        foreach (char raw in text)
        {
            if (char.IsLetterOrDigit(raw))
            {
                if (!inWord) hash = 0xCBF29CE484222325UL;
                inWord = true;
                hash = (hash ^ char.ToLowerInvariant(raw)) * 0x100000001B3UL;
            }
            else if (inWord)
            {
                words.Add(hash);
                inWord = false;
            }
        }
        if (inWord) words.Add(hash);
        return words;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }
}
