using System.Text.Json.Nodes;

namespace SharpTune.Tests.Tokenization;

/// <summary>What @lenml/tokenizers (tests/peers/roundtrip.mjs) makes of texts with a tokenizer folder.</summary>
internal static class PeerTokenizer
{
    public sealed record Result(long[] Ids, long[] PlainIds, string[] Tokens, string[] Pieces, string Decoded, string DecodedSkipSpecial);

    /// <summary>Loads <paramref name="folder"/> in the peer and encodes, pre-tokenizes and decodes each of <paramref name="texts"/>.</summary>
    public static (int VocabSize, List<Result> Results) Run(string folder, IReadOnlyList<string> texts)
    {
        var input = new JsonObject { ["texts"] = new JsonArray([.. texts.Select(t => (JsonNode)t)]) };
        var output = JsonNode.Parse(Peers.Run("node", ["roundtrip.mjs", folder], input.ToJsonString()))!;
        var results = output["results"]!.AsArray().Select(r => new Result(
            r!["ids"]!.AsArray().Select(x => (long)x!).ToArray(),
            r["plain_ids"]!.AsArray().Select(x => (long)x!).ToArray(),
            r["tokens"]!.AsArray().Select(x => (string)x!).ToArray(),
            r["pieces"]!.AsArray().Select(x => (string)x!).ToArray(),
            (string)r["decoded"]!,
            (string)r["decoded_skip_special"]!)).ToList();
        return ((int)output["vocab_size"]!, results);
    }
}
