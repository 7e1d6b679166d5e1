using System.IO.Compression;
using System.Text;

namespace SharpTune.Tokenization.Hf;

/// <summary>The four Unicode normalization forms.</summary>
internal enum NormalizationKind { Nfc, Nfd, Nfkc, Nfkd }

/// <summary>
/// Unicode normalization (UAX #15) from our own tables. SharpTune runs with InvariantGlobalization, where
/// <see cref="string.Normalize()"/> returns its input unchanged, so tokenizers whose normalizer is NFC (Qwen) or NFKC
/// would silently differ from Python and JavaScript. The tables come from <c>unicode-normalization.bin</c>
/// (see <c>make_unicode_normalization_data.py</c> beside this file).
/// </summary>
internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private sealed class Tables
    {
        public readonly Dictionary<int, int[]> Canonical = [];
        public readonly Dictionary<int, int[]> Compatibility = [];
        public readonly Dictionary<int, byte> CombiningClass = [];
        public readonly Dictionary<long, int> Compositions = [];
        // Per BMP code unit: may the form change text containing it? (bit per NormalizationKind)
        public readonly byte[] Unsafe = new byte[0x10000];
    }

    private static readonly Lazy<Tables> Data = new(Load);

    /// <summary>Normalizes <paramref name="text"/> to <paramref name="kind"/>; text it cannot change comes back as is.</summary>
    public static string Normalize(string text, NormalizationKind kind)
    {
        var tables = Data.Value;
        int bit = 1 << (int)kind;
        int i = 0;
        for (; i < text.Length; i++)
            if ((tables.Unsafe[text[i]] & bit) != 0) break;
        if (i == text.Length) return text;

        // Only the part from the last starter before the first unsafe character can change.
        // (The code point before it is a safe starter: the only one it may compose with.)
        int from = i;
        if (from > 0) from--;
        if (from > 0 && char.IsLowSurrogate(text[from]) && char.IsHighSurrogate(text[from - 1])) from--;
        var cps = new List<int>(text.Length - from + 8);
        bool compatibility = kind is NormalizationKind.Nfkc or NormalizationKind.Nfkd;
        for (int k = from; k < text.Length; k++)
        {
            int cp = text[k];
            if (char.IsHighSurrogate(text[k]) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]))
                cp = char.ConvertToUtf32(text[k], text[++k]);
            Decompose(tables, cp, compatibility, cps);
        }
        ReorderCombiningMarks(tables, cps);
        if (kind is NormalizationKind.Nfc or NormalizationKind.Nfkc) Compose(tables, cps);
        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, from);
        foreach (var cp in cps)
        {
            if (cp < 0x10000) sb.Append((char)cp);
            else sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    private static int CombiningClass(Tables t, int cp) => t.CombiningClass.TryGetValue(cp, out var c) ? c : 0;

    private static void Decompose(Tables t, int cp, bool compatibility, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (t.Canonical.TryGetValue(cp, out var mapping) || (compatibility && t.Compatibility.TryGetValue(cp, out mapping)))
        {
            foreach (var m in mapping) Decompose(t, m, compatibility, output);
            return;
        }
        output.Add(cp);
    }

    // Canonical ordering: a stable sort of each run of non-starters by combining class.
    private static void ReorderCombiningMarks(Tables t, List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int cc = CombiningClass(t, cps[i]);
            if (cc == 0) continue;
            int j = i;
            while (j > 0 && CombiningClass(t, cps[j - 1]) > cc)
            {
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
                j--;
            }
        }
    }

    // Canonical composition: each character joins the last starter unless something between them blocks it
    // (a starter, or a mark of the same or higher combining class).
    private static void Compose(Tables t, List<int> cps)
    {
        int starterIndex = -1, lastClass = 0, write = 0;
        for (int read = 0; read < cps.Count; read++)
        {
            int cp = cps[read];
            int cc = CombiningClass(t, cp);
            if (starterIndex >= 0 && (write == starterIndex + 1 || (lastClass != 0 && lastClass < cc)))
            {
                int composed = ComposePair(t, cps[starterIndex], cp);
                if (composed >= 0)
                {
                    cps[starterIndex] = composed;
                    continue;
                }
            }
            if (cc == 0) starterIndex = write;
            lastClass = cc;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static int ComposePair(Tables t, int first, int second)
    {
        if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
            return SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
        if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0 && second > TBase && second < TBase + TCount)
            return first + (second - TBase);
        return t.Compositions.TryGetValue(((long)first << 21) | (uint)second, out var c) ? c : -1;
    }

    private static Tables Load()
    {
        using var stream = typeof(UnicodeNormalization).Assembly.GetManifestResourceStream("SharpTune.Tokenization.Hf.unicode-normalization.bin")
            ?? throw new InvalidOperationException("the Unicode normalization tables are missing from the SharpTune assembly");
        using var inflated = new DeflateStream(stream, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        inflated.CopyTo(buffer);
        var data = buffer.ToArray();
        var t = new Tables();
        int count = BitConverter.ToInt32(data, 0), pos = 4;
        var nfcStable = new HashSet<int>();
        var nfkcStable = new HashSet<int>();
        for (int r = 0; r < count; r++)
        {
            int cp = Read3(data, pos);
            byte ccc = data[pos + 3], flags = data[pos + 4];
            int n = data[pos + 5];
            pos += 6;
            var mapping = new int[n];
            for (int k = 0; k < n; k++, pos += 3) mapping[k] = Read3(data, pos);
            if (ccc != 0) t.CombiningClass[cp] = ccc;
            if ((flags & 1) != 0)
            {
                if ((flags & 2) != 0) t.Compatibility[cp] = mapping;
                else t.Canonical[cp] = mapping;
            }
            if ((flags & 4) != 0) nfcStable.Add(cp);
            if ((flags & 8) != 0) nfkcStable.Add(cp);
        }

        // Primary composites: two-code-point canonical mappings whose character survives NFC.
        var seconds = new HashSet<int>();
        foreach (var (cp, mapping) in t.Canonical)
        {
            if (mapping.Length != 2 || !nfcStable.Contains(cp)) continue;
            t.Compositions[((long)mapping[0] << 21) | (uint)mapping[1]] = cp;
            seconds.Add(mapping[1]);
        }
        for (int v = VBase; v < VBase + VCount; v++) seconds.Add(v);
        for (int tt = TBase + 1; tt < TBase + TCount; tt++) seconds.Add(tt);

        void Mark(int cp, NormalizationKind kind)
        {
            // Astral code points are flagged through their high surrogate.
            int unit = cp < 0x10000 ? cp : char.ConvertFromUtf32(cp)[0];
            t.Unsafe[unit] |= (byte)(1 << (int)kind);
        }
        foreach (var cp in t.CombiningClass.Keys)
            foreach (var k in Enum.GetValues<NormalizationKind>()) Mark(cp, k);
        foreach (var cp in seconds) { Mark(cp, NormalizationKind.Nfc); Mark(cp, NormalizationKind.Nfkc); }
        foreach (var cp in t.Canonical.Keys)
        {
            Mark(cp, NormalizationKind.Nfd);
            Mark(cp, NormalizationKind.Nfkd);
            if (!nfcStable.Contains(cp)) Mark(cp, NormalizationKind.Nfc);
            if (!nfkcStable.Contains(cp)) Mark(cp, NormalizationKind.Nfkc);
        }
        foreach (var cp in t.Compatibility.Keys)
        {
            Mark(cp, NormalizationKind.Nfkd);
            if (!nfkcStable.Contains(cp)) Mark(cp, NormalizationKind.Nfkc);
        }
        for (int s = SBase; s < SBase + SCount; s++) { Mark(s, NormalizationKind.Nfd); Mark(s, NormalizationKind.Nfkd); }
        return t;
    }

    private static int Read3(byte[] data, int pos) => data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16;
}
