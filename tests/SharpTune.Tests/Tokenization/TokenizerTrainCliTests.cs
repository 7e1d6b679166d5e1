using System.Text.Json.Nodes;
using SharpTune.Tests.Cli;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Tokenization;

public sealed class TokenizerTrainCliTests
{
    [Fact]
    public void Trains_from_txt_and_jsonl_and_writes_a_folder_the_peer_loads()
    {
        using var dir = new TempFolder();
        var documents = TrainingCorpus.Documents(seed: 21, count: 20, words: 200);
        File.WriteAllText(dir.File("a.txt"), string.Join("\n", documents.Take(10)));
        File.WriteAllLines(dir.File("b.jsonl"), documents.Skip(10).Select(d => new JsonObject { ["text"] = d }.ToJsonString()));
        string output = dir.File("tok");

        var run = CliProcess.Run("tokenizer", "train", "--input", dir.File("a.txt"), dir.File("b.jsonl"), "--vocab-size", "500",
            "--special-tokens", "<|bos|>,<|eos|>", "--special-tokens", "<|im_start|>", "--bos", "<|bos|>", "--pad", "<|pad|>", "--out", output, "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var summary = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(500, (int)summary["vocab_size"]!);
        Assert.Equal(4, (int)summary["special_tokens"]!);
        Assert.Equal(500 - 256 - 4, (int)summary["merges"]!);
        Assert.True((double)summary["bytes_per_token"]! > 2);

        var config = TokenizerConfig.Load(output);
        Assert.Equal("<|bos|>", config.BosToken);
        Assert.Equal("<|pad|>", config.PadToken);
        Assert.Null(config.EosToken);
        var r = PeerTokenizer.Run(output, ["<|im_start|>user tokens 🙂"]).Results[0];
        Assert.Equal([0L, 2L], r.Ids.Take(2));
        Assert.Equal("user tokens 🙂", r.DecodedSkipSpecial);

        var text = CliProcess.Run("tokenizer", "train", "--input", dir.File("a.txt"), "--vocab-size", "300", "--out", dir.File("tok2"));
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("vocabulary   300 tokens", text.Stdout);
        Assert.Contains("bytes/token on the training text", text.Stdout);
    }

    [Fact]
    public void Bad_input_is_one_clear_error_line()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("ok.txt"), "some text to train on");
        File.WriteAllText(dir.File("empty.txt"), "");
        File.WriteAllText(dir.File("bad.jsonl"), "{\"text\": \"ok\"}\nnot json\n");
        (string[] Args, string Message)[] cases =
        [
            (["--input", dir.File("missing.txt"), "--vocab-size", "300"], "missing.txt: file not found"),
            (["--input", dir.File("empty.txt"), "--vocab-size", "300"], "no training text"),
            (["--input", dir.File("bad.jsonl"), "--vocab-size", "300"], "bad.jsonl:2: invalid JSON"),
            (["--input", dir.File("ok.txt"), "--vocab-size", "100", "--bos", "<s>"], "vocab size 100 is below the 256 byte tokens + 1 special tokens = 257"),
        ];
        foreach (var (args, message) in cases)
        {
            var run = CliProcess.Run(["tokenizer", "train", .. args, "--out", dir.File("out")]);
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith("error: ", run.Stderr);
            Assert.Contains(message, run.Stderr);
            Assert.DoesNotContain("   at ", run.Stderr);
        }
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
