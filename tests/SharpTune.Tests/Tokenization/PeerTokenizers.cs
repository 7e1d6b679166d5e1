using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Tokenization;

/// <summary>What @lenml/tokenizers made of one corpus line (see tests/peers/encode.mjs).</summary>
internal sealed record PeerLine(long[] With, long[] Without, string Decoded, string DecodedSkip, string RoundTrip);

/// <summary>
/// The five real tokenizers, each loaded once per test class, with the peers' output on the shared corpus
/// (one node run per tokenizer and peer): @lenml/tokenizers, and Hugging Face's own tokenizers library.
/// </summary>
public sealed class PeerTokenizers
{
    private readonly ConcurrentDictionary<string, Lazy<HfTokenizer>> _tokenizers = new();
    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<PeerLine>>> _peer = new();
    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<PeerTokenizer.Result>>> _hf = new();

    /// <summary>tests/SharpTune.Tests/Tokenization/Data/corpus.jsonl.</summary>
    public static string CorpusPath => Path.Combine(Peers.RepoRoot, "tests", "SharpTune.Tests", "Tokenization", "Data", "corpus.jsonl");

    public IReadOnlyList<string> Corpus { get; } =
        File.ReadLines(CorpusPath).Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["text"]!).ToList();

    public HfTokenizer Tokenizer(string name) =>
        _tokenizers.GetOrAdd(name, n => new Lazy<HfTokenizer>(() => HfTokenizer.Load(Peers.TokenizerFolder(n)))).Value;

    internal IReadOnlyList<PeerLine> Peer(string name) =>
        _peer.GetOrAdd(name, n => new Lazy<IReadOnlyList<PeerLine>>(() => RunPeer(n))).Value;

    /// <summary>What Hugging Face's tokenizers (Rust, through its Node bindings) makes of each corpus line.</summary>
    internal IReadOnlyList<PeerTokenizer.Result> Hf(string name) =>
        _hf.GetOrAdd(name, n => new Lazy<IReadOnlyList<PeerTokenizer.Result>>(() => PeerTokenizer.RunHf(Peers.TokenizerFolder(n), Corpus).Results)).Value;

    private static IReadOnlyList<PeerLine> RunPeer(string name)
    {
        var output = Peers.Run("node", ["encode.mjs", "compare", Peers.TokenizerFolder(name), CorpusPath]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var o = JsonNode.Parse(line)!;
            return new PeerLine(Ids(o["with"]!), Ids(o["without"]!), (string)o["decoded"]!, (string)o["decoded_skip"]!, (string)o["roundtrip"]!);
        }).ToList();
    }

    private static long[] Ids(JsonNode node) => node.AsArray().Select(n => (long)n!).ToArray();
}
