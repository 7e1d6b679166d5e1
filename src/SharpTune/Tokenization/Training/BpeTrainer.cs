using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpTune.Tokenization.Training;

/// <summary>
/// Learns a byte-level BPE vocabulary from text, as HF tokenizers' <c>BpeTrainer</c> does: feed it text with
/// <see cref="AddText(ReadOnlySpan{char})"/>, then <see cref="Train"/>.
/// </summary>
/// <remarks>
/// Text is cut into pieces with <see cref="Llama3PreTokenizer"/> (after special-token text is cut out) and the
/// distinct pieces are counted. Each piece starts as its UTF-8 bytes. Training then repeatedly merges the most
/// frequent adjacent pair of tokens over all pieces, weighted by piece count, until the vocabulary has
/// <see cref="BpeTrainerOptions.VocabSize"/> tokens. Ties go to the pair with the smaller left id, then the smaller
/// right id (HF's order; byte tokens are numbered in GPT-2's alphabet order, merged tokens in order learned), so the
/// result depends only on the text, not on the order pieces were seen.
/// Pair counts are kept incrementally: each pair knows the pieces it occurs in, a merge rewrites only those pieces
/// and adjusts the counts of the pairs around each occurrence, and a max-heap with lazy invalidation (an entry whose
/// count is stale is re-queued with the current count) picks the next pair.
/// </remarks>
public sealed class BpeTrainer
{
    private readonly BpeTrainerOptions _options;
    private readonly string[] _specials;
    private readonly SearchValues<string>? _specialSearch;
    private readonly Dictionary<string, long> _words = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;
    private long _pieces;

    /// <summary>Checks <paramref name="options"/> and prepares an empty word count.</summary>
    /// <exception cref="SharpTuneException">The options cannot give a vocabulary (too small, bad special tokens).</exception>
    public BpeTrainer(BpeTrainerOptions options)
    {
        _options = options;
        _specials = [.. options.SpecialTokens];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var special in _specials)
        {
            if (string.IsNullOrEmpty(special)) throw new SharpTuneException("special tokens must not be empty");
            if (special.Length > MaxSpecialTokenLength)
                throw new SharpTuneException($"special token '{special[..40]}...' is longer than {MaxSpecialTokenLength} characters");
            if (!seen.Add(special)) throw new SharpTuneException($"special token '{special}' is given twice");
            if (special.Length == 1 && ByteLevelAlphabet.TryGetByte(special[0], out _))
                throw new SharpTuneException($"special token '{special}' is one of the 256 byte tokens; use a longer text such as <|{special}|>");
        }
        int minimum = ByteTokenCount + _specials.Length;
        if (options.VocabSize < minimum)
            throw new SharpTuneException(
                $"vocab size {options.VocabSize} is below the {ByteTokenCount} byte tokens + {_specials.Length} special tokens = {minimum}");
        if (options.MinFrequency < 0) throw new SharpTuneException($"min frequency must be 0 or more, got {options.MinFrequency}");
        if (options.MaxTokenLength is < 1) throw new SharpTuneException($"max token length must be at least 1, got {options.MaxTokenLength}");
        if (_specials.Length > 0) _specialSearch = SearchValues.Create(_specials, StringComparison.Ordinal);
        _wordLookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The 256 single-byte tokens every byte-level vocabulary starts with.</summary>
    public const int ByteTokenCount = 256;

    private const int MaxSpecialTokenLength = 1024;

    /// <summary>Pieces counted so far, with repeats.</summary>
    public long PieceCount => _pieces;

    /// <summary>Distinct pieces counted so far.</summary>
    public int DistinctPieceCount => _words.Count;

    /// <summary>Counts the pieces of one text (a document: pieces never span two calls).</summary>
    public void AddText(string text) => AddText(text.AsSpan());

    /// <summary>Counts the pieces of one text (a document: pieces never span two calls).</summary>
    public void AddText(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            int at = _specialSearch is null ? -1 : text.IndexOfAny(_specialSearch);
            CountPieces(at < 0 ? text : text[..at]);
            if (at < 0) return;
            text = text[(at + LongestSpecialAt(text[at..]))..];
        }
    }

    private int LongestSpecialAt(ReadOnlySpan<char> text)
    {
        int longest = 0;
        foreach (var special in _specials)
            if (special.Length > longest && text.StartsWith(special, StringComparison.Ordinal)) longest = special.Length;
        return longest;
    }

    private void CountPieces(ReadOnlySpan<char> text)
    {
        for (int p = 0; p < text.Length;)
        {
            int length = Llama3PreTokenizer.NextPieceLength(text, p);
            CollectionsMarshal.GetValueRefOrAddDefault(_wordLookup, text.Slice(p, length), out _)++;
            _pieces++;
            p += length;
        }
    }

    /// <summary>Learns the merges from the text counted so far. The trainer can keep counting and train again.</summary>
    /// <exception cref="SharpTuneException">No text was counted.</exception>
    public TrainedBpe Train()
    {
        if (_words.Count == 0) throw new SharpTuneException("no training text: the input is empty (or holds only special tokens)");
        return new MergeRun(this).Run();
    }

    /// <summary>The state of one training run: pieces as token arrays, pair counts, the pair heap.</summary>
    private sealed class MergeRun
    {
        private readonly BpeTrainer _trainer;
        private readonly List<string> _vocab = [];
        private readonly List<int> _tokenBytes = [];
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

        // Pieces: piece w holds _symbols[_start[w] .. _start[w] + _length[w]), seen _count[w] times.
        private int[] _symbols = [];
        private int[] _start = [];
        private int[] _length = [];
        private long[] _count = [];
        private int[] _pieceStamp = [];

        private readonly Dictionary<long, int> _pairSlots = [];
        private PairState[] _pairs = new PairState[1024];
        private int _pairCount;
        private readonly PriorityQueue<int, HeapKey> _heap = new(HeapKeyOrder.Instance);
        private readonly List<int> _grown = [];
        private int _stamp;

        public MergeRun(BpeTrainer trainer) => _trainer = trainer;

        public TrainedBpe Run()
        {
            var options = _trainer._options;
            foreach (var special in _trainer._specials) AddToken(special, 0);
            var byteIds = new int[ByteTokenCount];
            foreach (int b in Enumerable.Range(0, ByteTokenCount).OrderBy(b => ByteLevelAlphabet.CharFor((byte)b)))
                byteIds[b] = AddToken(ByteLevelAlphabet.CharFor((byte)b).ToString(), 1);

            long bytes = LoadPieces(byteIds);
            CountInitialPairs();

            var merges = new List<BpeMerge>();
            int wanted = options.VocabSize - _vocab.Count;
            int reportEvery = Math.Max(1, wanted / 100);
            long minFrequency = Math.Max(1, options.MinFrequency);
            int maxLength = options.MaxTokenLength ?? int.MaxValue;
            string? stop = null;
            while (_vocab.Count < options.VocabSize)
            {
                if (!_heap.TryDequeue(out int slot, out var key))
                {
                    stop = "the training text has no pair left to merge";
                    break;
                }
                ref var pair = ref _pairs[slot];
                if (pair.Done) continue;
                if (key.Count != pair.Count)
                {
                    if (pair.Count > 0) _heap.Enqueue(slot, key with { Count = pair.Count });
                    continue;
                }
                if (pair.Count < minFrequency)
                {
                    stop = $"no pair left occurs at least {minFrequency} times (min frequency)";
                    break;
                }
                int left = pair.Left, right = pair.Right;
                int length = _tokenBytes[left] + _tokenBytes[right];
                string text = _vocab[left] + _vocab[right];
                bool exists = _ids.TryGetValue(text, out int merged);
                if (length > maxLength || (exists && merged < _trainer._specials.Length))
                {
                    // Too long, or spelled like a special token (which an encoder cuts out before BPE): never merge.
                    pair.Done = true;
                    pair.Pieces = null;
                    continue;
                }
                if (!exists) merged = AddToken(text, length);
                merges.Add(new BpeMerge(_vocab[left], _vocab[right]));
                MergeEverywhere(slot, merged);
                if (merges.Count % reportEvery == 0) options.Progress?.Invoke(merges.Count, wanted);
            }
            options.Progress?.Invoke(merges.Count, wanted);

            long tokens = 0;
            for (int w = 0; w < _length.Length; w++) tokens += _count[w] * _length[w];
            return new TrainedBpe
            {
                Vocab = [.. _vocab],
                Merges = merges,
                SpecialTokens = [.. _trainer._specials],
                RequestedVocabSize = options.VocabSize,
                TrainingBytes = bytes,
                TrainingWords = _trainer._pieces,
                DistinctWords = _length.Length,
                TrainingTokens = tokens,
                StopReason = stop,
            };
        }

        private int AddToken(string text, int bytes)
        {
            int id = _vocab.Count;
            _vocab.Add(text);
            _tokenBytes.Add(bytes);
            _ids.Add(text, id);
            return id;
        }

        /// <summary>Turns each distinct piece into its byte tokens; returns the training text's byte count.</summary>
        private long LoadPieces(int[] byteIds)
        {
            var words = _trainer._words;
            int n = words.Count;
            _start = new int[n];
            _length = new int[n];
            _count = new long[n];
            _pieceStamp = new int[n];
            long total = 0;
            foreach (var word in words.Keys) total += Encoding.UTF8.GetByteCount(word);
            if (total > int.MaxValue)
                throw new SharpTuneException($"the training text has too many distinct pieces ({total:N0} bytes of them); train on less text");
            _symbols = new int[total];
            byte[] buffer = new byte[256];
            int next = 0, w = 0;
            long bytes = 0;
            foreach (var (word, count) in words)
            {
                int size = Encoding.UTF8.GetByteCount(word);
                if (size > buffer.Length) buffer = new byte[Math.Max(size, buffer.Length * 2)];
                Encoding.UTF8.GetBytes(word, buffer);
                _start[w] = next;
                _length[w] = size;
                _count[w] = count;
                for (int i = 0; i < size; i++) _symbols[next + i] = byteIds[buffer[i]];
                next += size;
                bytes += size * count;
                w++;
            }
            return bytes;
        }

        private void CountInitialPairs()
        {
            for (int w = 0; w < _length.Length; w++)
            {
                int s = _start[w];
                for (int i = 0; i + 1 < _length[w]; i++) Adjust(_symbols[s + i], _symbols[s + i + 1], _count[w], w);
            }
            for (int slot = 0; slot < _pairCount; slot++) _heap.Enqueue(slot, KeyOf(slot));
            _grown.Clear();
        }

        /// <summary>Replaces every occurrence of the pair in <paramref name="slot"/> by <paramref name="merged"/>, updating neighbouring pairs.</summary>
        private void MergeEverywhere(int slot, int merged)
        {
            ref var pair = ref _pairs[slot];
            int left = pair.Left, right = pair.Right;
            int[] pieces = pair.Pieces!;
            int pieceCount = pair.PieceCount;
            pair.Pieces = null;
            pair.PieceCount = 0;
            pair.Done = true;
            _stamp++;
            for (int k = 0; k < pieceCount; k++)
            {
                int w = pieces[k];
                if (_pieceStamp[w] == _stamp) continue;
                _pieceStamp[w] = _stamp;
                MergeInPiece(w, slot, left, right, merged);
            }
            System.Diagnostics.Debug.Assert(_pairs[slot].Count == 0, "every occurrence of the merged pair was merged or overlapped");
            _pairs[slot].Count = 0;
            foreach (int grown in _grown)
                if (!_pairs[grown].Done && _pairs[grown].Count > 0) _heap.Enqueue(grown, KeyOf(grown));
            _grown.Clear();
        }

        private void MergeInPiece(int w, int slot, int left, int right, int merged)
        {
            int s = _start[w], n = _length[w];
            long c = _count[w];
            var sym = _symbols;
            int i = 0, j = 0;
            while (i < n)
            {
                if (i + 1 < n && sym[s + i] == left && sym[s + i + 1] == right)
                {
                    _pairs[slot].Count -= c;
                    if (j > 0)
                    {
                        int before = sym[s + j - 1];
                        Adjust(before, left, -c, w);
                        Adjust(before, merged, c, w);
                    }
                    if (i + 2 < n)
                    {
                        int after = sym[s + i + 2];
                        Adjust(right, after, -c, w);
                        Adjust(merged, after, c, w);
                    }
                    sym[s + j++] = merged;
                    i += 2;
                }
                else
                {
                    sym[s + j++] = sym[s + i++];
                }
            }
            _length[w] = j;
        }

        /// <summary>Adds <paramref name="delta"/> to the count of (left, right); a pair that gains count remembers piece <paramref name="w"/>.</summary>
        private void Adjust(int left, int right, long delta, int w)
        {
            long key = ((long)left << 32) | (uint)right;
            ref int slotRef = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairSlots, key, out bool exists);
            if (!exists)
            {
                if (_pairCount == _pairs.Length) Array.Resize(ref _pairs, _pairs.Length * 2);
                slotRef = _pairCount;
                _pairs[_pairCount++] = new PairState { Left = left, Right = right, GrownAt = -1 };
            }
            ref var pair = ref _pairs[slotRef];
            pair.Count += delta;
            if (delta <= 0 || pair.Done) return;
            if (pair.PieceCount == 0 || pair.Pieces![pair.PieceCount - 1] != w)
            {
                if (pair.Pieces is null) pair.Pieces = new int[4];
                else if (pair.PieceCount == pair.Pieces.Length) Array.Resize(ref pair.Pieces, pair.Pieces.Length * 2);
                pair.Pieces[pair.PieceCount++] = w;
            }
            if (pair.GrownAt != _stamp)
            {
                pair.GrownAt = _stamp;
                _grown.Add(slotRef);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private HeapKey KeyOf(int slot) => new(_pairs[slot].Count, _pairs[slot].Left, _pairs[slot].Right);
    }

    private struct PairState
    {
        public long Count;
        public int Left;
        public int Right;
        public int[]? Pieces;
        public int PieceCount;
        public int GrownAt;
        public bool Done;
    }

    private readonly record struct HeapKey(long Count, int Left, int Right);

    /// <summary>Dequeues the highest count first, then the smallest (left, right) ids.</summary>
    private sealed class HeapKeyOrder : IComparer<HeapKey>
    {
        public static readonly HeapKeyOrder Instance = new();

        public int Compare(HeapKey x, HeapKey y)
        {
            if (x.Count != y.Count) return y.Count.CompareTo(x.Count);
            if (x.Left != y.Left) return x.Left.CompareTo(y.Left);
            return x.Right.CompareTo(y.Right);
        }
    }
}
