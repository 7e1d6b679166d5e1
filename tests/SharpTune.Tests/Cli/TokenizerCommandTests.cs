using System.Text.Json.Nodes;
using SharpTune.Tests.Tokenization;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Cli;

public sealed class TokenizerCommandTests
{
    [Fact]
    public void Encode_then_decode_round_trips_the_corpus_as_the_library_does()
    {
        using var dir = new TempFolder();
        string folder = Peers.TokenizerFolder("llama2");
        var tokenizer = HfTokenizer.Load(folder);
        var texts = File.ReadLines(PeerTokenizers.CorpusPath).Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["text"]!).ToList();

        var encode = CliProcess.Run("tokenizer", "encode", "--tokenizer", folder, "--input", PeerTokenizers.CorpusPath, "--add-special-tokens", "--output", dir.File("ids.jsonl"));
        Assert.True(encode.ExitCode == 0, encode.Stderr);
        Assert.Equal("", encode.Stdout);
        var idLines = File.ReadAllLines(dir.File("ids.jsonl"));
        Assert.Equal(texts.Count, idLines.Length);
        for (int i = 0; i < texts.Count; i++)
            Assert.Equal(tokenizer.Encode(texts[i]), JsonNode.Parse(idLines[i])!["ids"]!.AsArray().Select(n => (long)n!));

        var decode = CliProcess.Run("tokenizer", "decode", "--tokenizer", folder, "--input", dir.File("ids.jsonl"), "--skip-special-tokens");
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        var textLines = decode.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(texts.Count, textLines.Length);
        for (int i = 0; i < texts.Count; i++)
            Assert.Equal(tokenizer.Decode(tokenizer.Encode(texts[i])), (string)JsonNode.Parse(textLines[i])!["text"]!);
        Assert.Contains("\"text\":\"I love 🍕 and 🍣! #yum 🎉🎉🎉\"", decode.Stdout);

        var plain = CliProcess.Run("tokenizer", "encode", "--tokenizer", folder, "--input", PeerTokenizers.CorpusPath);
        Assert.Equal(tokenizer.Encode(texts[0], addSpecialTokens: false), JsonNode.Parse(plain.Stdout.Split('\n')[0])!["ids"]!.AsArray().Select(n => (long)n!));
    }

    [Theory]
    [InlineData("encode", "{\"text\": \"fine\"}\n{\"text\": oops}\n", "in.jsonl:2: not valid JSON")]
    [InlineData("encode", "\n{\"txt\": \"x\"}\n", "in.jsonl:2: field 'text' is missing")]
    [InlineData("encode", "{\"text\": 5}\n", "in.jsonl:1: field 'text' must be a string, got number")]
    [InlineData("encode", "[1, 2]\n", "in.jsonl:1: must be a JSON object with field 'text'")]
    [InlineData("decode", "{\"ids\": [1, 2, 32000]}\n", "in.jsonl:1: field 'ids'[2] = 32000 is outside the vocabulary (0 to 31999)")]
    [InlineData("decode", "{\"ids\": [1, \"2\"]}\n", "in.jsonl:1: field 'ids'[1] must be an integer, got \"2\"")]
    [InlineData("decode", "{\"ids\": \"1 2\"}\n", "in.jsonl:1: field 'ids' must be a list of ids, got string")]
    public void Bad_lines_name_the_file_line_and_field_and_leave_no_output(string verb, string content, string expected)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("in.jsonl"), content);
        var run = CliProcess.Run("tokenizer", verb, "--tokenizer", Peers.TokenizerFolder("llama2"), "--input", dir.File("in.jsonl"), "--output", dir.File("out.jsonl"));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: ", run.Stderr);
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.False(File.Exists(dir.File("out.jsonl")));
        Assert.Empty(Directory.GetFiles(dir.Path, "out.jsonl*"));
    }

    [Fact]
    public void A_folder_without_tokenizer_json_is_a_clear_error()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("in.jsonl"), "{\"text\": \"x\"}\n");
        var run = CliProcess.Run("tokenizer", "encode", "--tokenizer", dir.Path, "--input", dir.File("in.jsonl"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no tokenizer.json", run.Stderr);
        var missing = CliProcess.Run("tokenizer", "encode", "--tokenizer", Peers.TokenizerFolder("llama2"), "--input", dir.File("nope.jsonl"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.jsonl: file not found", missing.Stderr);
    }
}
