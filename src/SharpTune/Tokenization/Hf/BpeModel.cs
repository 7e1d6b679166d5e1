using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpTune.Tokenization.Hf;

/// <summary>
/// tokenizer.json's BPE model: each pre-token starts as one symbol per character (per byte for byte-level
/// vocabularies) and the adjacent pair with the lowest merge rank is merged, leftmost first, until no pair has a rank.
/// Symbols are vocabulary ids throughout; a per-pre-token cache skips the work for words seen before.
/// </summary>
internal sealed class BpeModel : TokenizerModel
{
    private const int MaxCachedLength = 256;
    // Longer pieces are cut where no merge can reach across (see EncodeInChunks).
    private const int ChunkAbove = 32;
    private static readonly char[] WordStarts = ['\u2581', ' '];
    private const int MaxCacheEntries = 200_000;
    // Up to this many symbols the lowest pair is found by a scan; longer words use a heap.
    private const int ScanLimit = 64;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly MergeTable _merges;
    private readonly int[] _charIds = new int[0x10000];
    private readonly Dictionary<int, int> _astralCharIds = [];
    private readonly int[] _byteIds = new int[256];
    private readonly int[] _fallbackIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    // For each word-start character c: the code points x that some token holds just before c ("x▁").
    private readonly Dictionary<char, HashSet<int>>? _joinsBefore;
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BpeModel(Dictionary<string, int> vocab, MergeTable merges, string? unkToken, bool fuseUnk, bool byteFallback,
        bool ignoreMerges, string? continuingSubwordPrefix, string? endOfWordSuffix)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = merges;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        UnkId = unkToken != null && vocab.TryGetValue(unkToken, out var unk) ? unk : -1;
        UnkToken = unkToken;
        FuseUnk = fuseUnk;
        ByteFallback = byteFallback;
        IgnoreMerges = ignoreMerges;
        Prefix = continuingSubwordPrefix ?? "";
        Suffix = endOfWordSuffix ?? "";
        Array.Fill(_charIds, -1);
        foreach (var (token, id) in vocab)
        {
            if (token.Length == 1) _charIds[token[0]] = id;
            else if (token.Length == 2 && char.IsSurrogatePair(token[0], token[1])) _astralCharIds[char.ConvertToUtf32(token[0], token[1])] = id;
        }
        for (int b = 0; b < 256; b++)
        {
            _byteIds[b] = _charIds[ByteLevelAlphabet.CharFor((byte)b)];
            _fallbackIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var f) ? f : -1;
        }
        if (!IgnoreMerges && Prefix.Length == 0 && Suffix.Length == 0) _joinsBefore = JoinsBefore(vocab.Keys);
    }

    public override int UnkId { get; }
    public string? UnkToken { get; }
    public bool FuseUnk { get; }
    public bool ByteFallback { get; }
    public bool IgnoreMerges { get; }
    public string Prefix { get; }
    public string Suffix { get; }
    public override IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>
    /// Appends the ids of one pre-token. With <paramref name="bytes"/>, <paramref name="piece"/> is raw text whose UTF-8
    /// bytes are the symbols (the byte-level pre-tokenizer deferred its mapping to here).
    /// </summary>
    public override void Encode(ReadOnlySpan<char> piece, bool bytes, List<int> output)
    {
        if (piece.Length == 0) return;
        if (piece.Length > ChunkAbove && !bytes && _joinsBefore != null)
        {
            EncodeInChunks(piece, output);
            return;
        }
        EncodeCached(piece, bytes, output);
    }

    private void EncodeCached(ReadOnlySpan<char> piece, bool bytes, List<int> output)
    {
        bool cacheable = piece.Length <= MaxCachedLength;
        if (cacheable && _cacheBySpan.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        int before = output.Count;
        EncodeWord(piece, bytes, output);
        if (cacheable)
        {
            if (_cache.Count >= MaxCacheEntries) _cache.Clear();
            _cacheBySpan.TryAdd(piece, CollectionsMarshal.AsSpan(output)[before..].ToArray());
        }
    }

    /// <summary>
    /// A long piece (SentencePiece-style models have no pre-tokenizer, so a whole line is one piece) is cut before each
    /// ▁ or space whose left neighbour x never stands before it inside a token. Every merged symbol is a token, so no
    /// merge can join across such a cut, and each side merges exactly as it would in the whole: the ids are the same,
    /// and the parts, being words, hit the cache.
    /// </summary>
    private void EncodeInChunks(ReadOnlySpan<char> piece, List<int> output)
    {
        int start = 0;
        for (int i = 1; i < piece.Length; i++)
        {
            char c = piece[i];
            if (piece[i - 1] == c || !_joinsBefore!.TryGetValue(c, out var joins)) continue;
            int before = char.IsLowSurrogate(piece[i - 1]) && i >= 2 && char.IsHighSurrogate(piece[i - 2])
                ? char.ConvertToUtf32(piece[i - 2], piece[i - 1]) : piece[i - 1];
            if (joins.Contains(before)) continue;
            EncodeCached(piece[start..i], bytes: false, output);
            start = i;
        }
        EncodeCached(piece[start..], bytes: false, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<char, HashSet<int>> JoinsBefore(IEnumerable<string> tokens)
    {
        var joins = WordStarts.ToDictionary(c => c, _ => new HashSet<int>());
        foreach (var token in tokens)
        {
            for (int i = 1; i < token.Length; i++)
            {
                if (!joins.TryGetValue(token[i], out var set) || token[i - 1] == token[i]) continue;
                set.Add(char.IsLowSurrogate(token[i - 1]) && i >= 2 && char.IsHighSurrogate(token[i - 2])
                    ? char.ConvertToUtf32(token[i - 2], token[i - 1]) : token[i - 1]);
            }
        }
        return joins;
    }

    private void EncodeWord(ReadOnlySpan<char> piece, bool bytes, List<int> output)
    {
        if (IgnoreMerges)
        {
            bool found = bytes ? _vocab.TryGetValue(ByteLevelPreTokenizer.ToAlphabet(piece), out int whole) : _vocabBySpan.TryGetValue(piece, out whole);
            if (found)
            {
                output.Add(whole);
                return;
            }
        }
        byte[]? utf8 = null;
        int n;
        if (bytes)
        {
            utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(piece.Length));
            n = Encoding.UTF8.GetBytes(piece, utf8);
        }
        else n = CountCodePoints(piece);

        int[] rented = ArrayPool<int>.Shared.Rent(n * 5);
        try
        {
            var ids = rented.AsSpan(0, n);
            var units = rented.AsSpan(n, n);
            var next = rented.AsSpan(2 * n, n);
            var prev = rented.AsSpan(3 * n, n);
            var rank = rented.AsSpan(4 * n, n);
            if (bytes)
            {
                for (int k = 0; k < n; k++) { units[k] = utf8![k]; ids[k] = _byteIds[utf8[k]]; }
            }
            else
            {
                for (int i = 0, k = 0; i < piece.Length; k++)
                {
                    int cp = CodePoints.At(piece, i, out int len);
                    units[k] = cp;
                    ids[k] = CharId(cp);
                    i += len;
                }
            }
            if (Prefix.Length > 0 || Suffix.Length > 0)
                for (int k = 0; k < n; k++) ids[k] = SymbolId(SymbolText(units[k], bytes, k, n));
            for (int k = 0; k < n; k++) { next[k] = k + 1 < n ? k + 1 : -1; prev[k] = k - 1; }
            if (n <= ScanLimit) MergeByScan(ids, next, prev, rank);
            else MergeByHeap(ids, next, prev, rank);
            Emit(ids, units, next, bytes, n, output);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
            if (utf8 != null) ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    private int CharId(int cp)
    {
        if (cp < 0x10000) return _charIds[cp];
        return _astralCharIds.TryGetValue(cp, out var id) ? id : -1;
    }

    private int SymbolId(string text) => _vocab.TryGetValue(text, out var id) ? id : -1;

    private string SymbolText(int unit, bool bytes, int k, int n)
    {
        string c = bytes ? ByteLevelAlphabet.CharFor((byte)unit).ToString() : char.ConvertFromUtf32(unit);
        return (k > 0 ? Prefix : "") + c + (k == n - 1 ? Suffix : "");
    }

    private static int CountCodePoints(ReadOnlySpan<char> s)
    {
        int n = s.Length;
        for (int i = 0; i + 1 < s.Length; i++)
            if (char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1])) { n--; i++; }
        return n;
    }

    // rank[k] is the merge rank of the pair (k, next[k]), int.MaxValue when there is none; `merged` its result.
    private void SetPair(Span<int> ids, Span<int> next, Span<int> rank, Span<int> merged, int k)
    {
        int j = next[k];
        if (j < 0 || !_merges.TryGet(ids[k], ids[j], out int r, out int result)) { rank[k] = int.MaxValue; return; }
        rank[k] = r;
        merged[k] = result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void MergeByScan(Span<int> ids, Span<int> next, Span<int> prev, Span<int> rank)
    {
        int n = ids.Length;
        Span<int> merged = n <= 256 ? stackalloc int[n] : new int[n];
        for (int k = 0; k < n; k++) SetPair(ids, next, rank, merged, k);
        while (true)
        {
            int best = int.MaxValue, at = -1;
            for (int k = 0; k >= 0; k = next[k])
                if (rank[k] < best) { best = rank[k]; at = k; }
            if (at < 0) return;
            int p = Merge(ids, next, prev, rank, merged, at);
            SetPair(ids, next, rank, merged, at);
            if (p >= 0) SetPair(ids, next, rank, merged, p);
        }
    }

    private void MergeByHeap(Span<int> ids, Span<int> next, Span<int> prev, Span<int> rank)
    {
        int n = ids.Length;
        int[] merged = ArrayPool<int>.Shared.Rent(n);
        var heap = new MinHeap(ArrayPool<long>.Shared.Rent(2 * n + 4));
        try
        {
            for (int k = 0; k < n; k++)
            {
                SetPair(ids, next, rank, merged, k);
                if (rank[k] != int.MaxValue) heap.Push(((long)rank[k] << 32) | (uint)k);
            }
            while (heap.Count > 0)
            {
                long top = heap.Pop();
                int r = (int)(top >> 32), at = (int)top;
                if (rank[at] != r) continue; // stale: the symbol is gone or its pair changed
                int p = Merge(ids, next, prev, rank, merged, at);
                SetPair(ids, next, rank, merged, at);
                if (rank[at] != int.MaxValue) heap.Push(((long)rank[at] << 32) | (uint)at);
                if (p >= 0)
                {
                    SetPair(ids, next, rank, merged, p);
                    if (rank[p] != int.MaxValue) heap.Push(((long)rank[p] << 32) | (uint)p);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(merged);
            ArrayPool<long>.Shared.Return(heap.Items);
        }
    }

    // Merges symbol `at` with the next one; returns the previous symbol (or -1).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int Merge(Span<int> ids, Span<int> next, Span<int> prev, Span<int> rank, Span<int> merged, int at)
    {
        int j = next[at];
        ids[at] = merged[at];
        int after = next[j];
        next[at] = after;
        if (after >= 0) prev[after] = at;
        rank[j] = int.MaxValue;
        return prev[at];
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Emit(Span<int> ids, Span<int> units, Span<int> next, bool bytes, int n, List<int> output)
    {
        bool lastUnk = false;
        Span<byte> buffer = stackalloc byte[64];
        for (int k = 0; k >= 0; k = next[k])
        {
            int id = ids[k];
            if (id >= 0)
            {
                output.Add(id);
                lastUnk = false;
                continue;
            }
            if (ByteFallback)
            {
                string text = SymbolText(units[k], bytes, k, n);
                int count = Encoding.UTF8.GetByteCount(text);
                Span<byte> utf8 = count <= buffer.Length ? buffer[..count] : new byte[count];
                Encoding.UTF8.GetBytes(text, utf8);
                bool all = true;
                foreach (var b in utf8) all &= _fallbackIds[b] >= 0;
                if (all)
                {
                    foreach (var b in utf8) output.Add(_fallbackIds[b]);
                    lastUnk = false;
                    continue;
                }
            }
            if (UnkId < 0) continue; // no unknown token: the character is dropped, as tokenizers does
            if (!(FuseUnk && lastUnk)) output.Add(UnkId);
            lastUnk = true;
        }
    }

    /// <summary>A 4-ary min-heap of longs (rank in the high half, position in the low half) over a caller-supplied array.</summary>
    private sealed class MinHeap(long[] items)
    {
        private long[] _items = items;

        public long[] Items => _items;

        public int Count { get; private set; }

        public void Push(long value)
        {
            if (Count == _items.Length)
            {
                var bigger = ArrayPool<long>.Shared.Rent(_items.Length * 2);
                _items.AsSpan().CopyTo(bigger);
                ArrayPool<long>.Shared.Return(_items);
                _items = bigger;
            }
            int i = Count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 2;
                if (_items[parent] <= value) break;
                _items[i] = _items[parent];
                i = parent;
            }
            _items[i] = value;
        }

        public long Pop()
        {
            var items = _items;
            long top = items[0];
            long last = items[--Count];
            int count = Count, i = 0;
            while (true)
            {
                int first = 4 * i + 1;
                if (first >= count) break;
                int best = first;
                long bestValue = items[first];
                int end = Math.Min(first + 4, count);
                for (int c = first + 1; c < end; c++)
                    if (items[c] < bestValue) { bestValue = items[c]; best = c; }
                if (bestValue >= last) break;
                items[i] = bestValue;
                i = best;
            }
            if (count > 0) items[i] = last;
            return top;
        }
    }
}

/// <summary>BPE merges by pair of ids: the rank and the id of the merged token, in an open-addressing table.</summary>
internal sealed class MergeTable
{
    private ulong[] _keys = [];
    private long[] _values = [];
    private int _mask;
    private int _shift;

    public MergeTable(int capacity) => Allocate(capacity);

    public int Count { get; private set; }

    /// <summary>Adds or replaces (a later merge of the same pair wins, as in tokenizers) the merge of (<paramref name="left"/>, <paramref name="right"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Set(int left, int right, int rank, int result)
    {
        if ((Count + 1) * 2 > _keys.Length) Rehash();
        ulong key = Key(left, right);
        int slot = Slot(key);
        while (_keys[slot] != ulong.MaxValue && _keys[slot] != key) slot = (slot + 1) & _mask;
        if (_keys[slot] == ulong.MaxValue) Count++;
        _keys[slot] = key;
        _values[slot] = ((long)rank << 32) | (uint)result;
    }

    public bool TryGet(int left, int right, out int rank, out int result)
    {
        if ((left | right) < 0) { rank = result = 0; return false; }
        ulong key = Key(left, right);
        int slot = Slot(key);
        while (true)
        {
            ulong k = _keys[slot];
            if (k == key)
            {
                long v = _values[slot];
                rank = (int)(v >> 32);
                result = (int)v;
                return true;
            }
            if (k == ulong.MaxValue) { rank = result = 0; return false; }
            slot = (slot + 1) & _mask;
        }
    }

    private void Allocate(int capacity)
    {
        int size = 16, bits = 4;
        while (size < capacity * 2) { size <<= 1; bits++; }
        _shift = 64 - bits;
        _keys = new ulong[size];
        _values = new long[size];
        _mask = size - 1;
        Array.Fill(_keys, ulong.MaxValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rehash()
    {
        var (keys, values) = (_keys, _values);
        Allocate(Math.Max(16, keys.Length));
        Count = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] == ulong.MaxValue) continue;
            int slot = Slot(keys[i]);
            while (_keys[slot] != ulong.MaxValue) slot = (slot + 1) & _mask;
            _keys[slot] = keys[i];
            _values[slot] = values[i];
            Count++;
        }
    }

    private static ulong Key(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;

    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
}
