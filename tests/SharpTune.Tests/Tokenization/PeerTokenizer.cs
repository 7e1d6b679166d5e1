using System.Text.Json.Nodes;

namespace SharpTune.Tests.Tokenization;

/// <summary>What the peers make of a tokenizer folder: @lenml/tokenizers (tests/peers/roundtrip.mjs) and HF tokenizers (tests/peers/hf_tokenizers.cjs).</summary>
internal static class PeerTokenizer
{
    public sealed record Result(long[] Ids, long[] PlainIds, string[] Tokens, string[] Pieces, string Decoded, string DecodedSkipSpecial);

    /// <summary>Loads <paramref name="folder"/> in @lenml/tokenizers and encodes, pre-tokenizes and decodes each of <paramref name="texts"/>.</summary>
    public static (int VocabSize, List<Result> Results) Run(string folder, IReadOnlyList<string> texts) =>
        Parse(Peers.Run("node", ["roundtrip.mjs", folder], TextsJson(texts)));

    /// <summary>The same with Hugging Face's own tokenizers library (no tokens or pieces: those come back empty).</summary>
    public static (int VocabSize, List<Result> Results) RunHf(string folder, IReadOnlyList<string> texts) =>
        Parse(Peers.Run("node", ["hf_tokenizers.cjs", "encode", folder], TextsJson(texts)));

    /// <summary>The merges Hugging Face's own BpeTrainer learns from <paramref name="corpus"/> (one text per line) with the pre-tokenizer of <paramref name="tokenizerJson"/>.</summary>
    public static List<string> HfTrainMerges(string tokenizerJson, string corpus) =>
        JsonNode.Parse(Peers.Run("node", ["hf_tokenizers.cjs", "train", tokenizerJson, corpus]))!["merges"]!.AsArray().Select(m => (string)m!).ToList();

    private static string TextsJson(IReadOnlyList<string> texts) =>
        new JsonObject { ["texts"] = new JsonArray([.. texts.Select(t => (JsonNode)t)]) }.ToJsonString();

    private static (int VocabSize, List<Result> Results) Parse(string json)
    {
        var output = JsonNode.Parse(json)!;
        static string[] Strings(JsonNode? list) => list is null ? [] : list.AsArray().Select(x => (string)x!).ToArray();
        var results = output["results"]!.AsArray().Select(r => new Result(
            r!["ids"]!.AsArray().Select(x => (long)x!).ToArray(),
            r["plain_ids"]!.AsArray().Select(x => (long)x!).ToArray(),
            Strings(r["tokens"]),
            Strings(r["pieces"]),
            (string)r["decoded"]!,
            (string)r["decoded_skip_special"]!)).ToList();
        return ((int)output["vocab_size"]!, results);
    }
}
