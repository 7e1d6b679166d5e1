using System.Text.Json;

namespace SharpTune.Tests.Tokenization;

/// <summary>
/// Our tokenizer against @lenml/tokenizers 3.7.2 (and Hugging Face's tokenizers, which agrees with it on this corpus)
/// on the real files of five model families and a varied corpus.
/// </summary>
public sealed class HfTokenizerPeerTests(PeerTokenizers fixture) : IClassFixture<PeerTokenizers>
{
    public static TheoryData<string, bool> NamesAndModes()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in Peers.TokenizerNames)
        {
            data.Add(name, true);
            data.Add(name, false);
        }
        return data;
    }

    public static TheoryData<string> Names() => [.. Peers.TokenizerNames];

    [Theory]
    [MemberData(nameof(NamesAndModes))]
    public void Ids_match_the_peer(string name, bool addSpecialTokens)
    {
        var tokenizer = fixture.Tokenizer(name);
        var peer = fixture.Peer(name);
        Assert.Equal(fixture.Corpus.Count, peer.Count);
        var failures = new List<string>();
        for (int i = 0; i < fixture.Corpus.Count; i++)
        {
            var expected = addSpecialTokens ? peer[i].With : peer[i].Without;
            var actual = tokenizer.Encode(fixture.Corpus[i], addSpecialTokens);
            if (!expected.SequenceEqual(actual))
                failures.Add($"line {i + 1} {JsonSerializer.Serialize(fixture.Corpus[i])}:\n  peer [{string.Join(",", expected)}]\n  ours [{string.Join(",", actual)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {fixture.Corpus.Count} lines differ:\n" + string.Join("\n", failures.Take(5)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Ids_and_decoding_match_hugging_face_tokenizers(string name)
    {
        var tokenizer = fixture.Tokenizer(name);
        var hf = fixture.Hf(name);
        Assert.Equal(fixture.Corpus.Count, hf.Count);
        for (int i = 0; i < fixture.Corpus.Count; i++)
        {
            var text = fixture.Corpus[i];
            Assert.True(hf[i].Ids.SequenceEqual(tokenizer.Encode(text)), $"line {i + 1}: {JsonSerializer.Serialize(text)}");
            Assert.True(hf[i].PlainIds.SequenceEqual(tokenizer.Encode(text, addSpecialTokens: false)), $"line {i + 1}: {JsonSerializer.Serialize(text)}");
            Assert.Equal(hf[i].DecodedSkipSpecial, tokenizer.Decode(hf[i].Ids, skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_matches_the_peer(string name)
    {
        var tokenizer = fixture.Tokenizer(name);
        var peer = fixture.Peer(name);
        for (int i = 0; i < fixture.Corpus.Count; i++)
        {
            Assert.Equal(peer[i].Decoded, tokenizer.Decode(peer[i].With, skipSpecialTokens: false));
            Assert.Equal(peer[i].DecodedSkip, tokenizer.Decode(peer[i].With, skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_encode_gives_the_text_back_where_the_tokenizer_is_lossless(string name)
    {
        var tokenizer = fixture.Tokenizer(name);
        var peer = fixture.Peer(name);
        int lossless = 0;
        for (int i = 0; i < fixture.Corpus.Count; i++)
        {
            var text = fixture.Corpus[i];
            var back = tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false), skipSpecialTokens: false);
            // Where the tokenizer itself loses something (NFC, a stripped leading space, ▁ read as a space) the peer loses the same.
            Assert.Equal(peer[i].RoundTrip, back);
            if (back == text) lossless++;
        }
        Assert.True(lossless >= fixture.Corpus.Count - 6, $"only {lossless} of {fixture.Corpus.Count} lines come back unchanged");
    }

    [Fact]
    public void Encoding_from_many_threads_gives_the_same_ids()
    {
        var tokenizer = fixture.Tokenizer("qwen3");
        var expected = fixture.Corpus.Select(t => tokenizer.Encode(t)).ToList();
        var results = new IReadOnlyList<long>[8][];
        Parallel.For(0, results.Length, k => results[k] = fixture.Corpus.Select(t => tokenizer.Encode(t)).ToArray());
        foreach (var run in results)
            for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], run[i]);
    }
}
