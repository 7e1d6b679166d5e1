using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Inference;
using SharpTune.Models;
using SharpTune.Tests.Adapters;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Cli;

public sealed class EvalCommandTests
{
    /// <summary>
    /// A template that renders a reply as exactly its text, with no end-of-turn marker after it, so the trained tokens
    /// of a reply are the reply's bytes and "greedy decoding reproduces the reply" is decided by greedy decoding alone.
    /// </summary>
    private const string BareTemplate =
        "{% for m in messages %}{% if m['role'] == 'user' %}Q: {{ m['content'] }}\nA: {% else %}{{ m['content'] }}{% endif %}{% endfor %}";

    private const int AnswerLength = 5;

    /// <summary>
    /// A tiny byte-tokenizer model whose output layer can only prefer the letters a–z (every other row is zero), so its
    /// greedy replies are plain text that round-trips through a JSONL file byte for byte; with the bare template.
    /// </summary>
    private static string MakeModel(TempFolder dir)
    {
        string folder = dir.File("base");
        var json = ModelPresets.Config("tiny", "llama");
        json["num_hidden_layers"] = 2;
        using var model = new LlamaForCausalLM(ModelConfig.FromJson(json, "tiny"));
        model.InitializeWeights(11);
        using (no_grad())
        {
            var head = model.named_parameters().Single(p => p.name == "lm_head.weight").parameter;
            for (int id = 0; id < head.shape[0]; id++)
                if (id is < 'a' or > 'z') head[id].zero_();
        }
        HfModelFolder.Save(model, folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), new JsonObject { ["chat_template"] = BareTemplate }.ToJsonString());
        return folder;
    }

    private static string Prompt(string question) => $"Q: {question}\nA: ";

    /// <summary>The model's greedy reply to <paramref name="question"/> under the bare template.</summary>
    private static string Greedy(LlamaForCausalLM model, string question)
    {
        var ids = new ByteTokenizer().Encode(Prompt(question), addSpecialTokens: false);
        var reply = new TextGenerator(model).Generate(ids, new GenerationOptions { MaxNewTokens = AnswerLength }).ToArray();
        Assert.All(reply, id => Assert.InRange(id, 'a', 'z'));
        return new string(reply.Select(id => (char)id).ToArray());
    }

    private static string Chat(string question, string answer) => new JsonObject
    {
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = question },
            new JsonObject { ["role"] = "assistant", ["content"] = answer }),
    }.ToJsonString();

    /// <summary>
    /// Six chats answered with the model's own greedy reply (even rows) or the same reply with its last letter changed
    /// (odd rows), and a seventh too long for a sequence_len of 64.
    /// </summary>
    private static string WriteChats(TempFolder dir, string modelFolder)
    {
        using var model = HfModelFolder.Load(modelFolder, CPU, ScalarType.Float32);
        var lines = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            string question = $"what is {i} times {i + 2}?";
            string answer = Greedy(model, question);
            if (i % 2 == 1) answer = answer[..^1] + (answer[^1] == 'q' ? 'r' : 'q');
            lines.Add(Chat(question, answer));
        }
        lines.Add(Chat("say a long thing", new string('x', 100)));
        string path = dir.File("chat.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>What the evaluator gives in-process on the rows the pipeline makes of a run config with the same data settings.</summary>
    private static EvaluationResult InProcess(TempFolder dir, string modelFolder, string? adapterFolder, int sequenceLen, int batchSize)
    {
        File.WriteAllText(dir.File("same.yaml"), $"""
            base_model: {modelFolder}
            datasets:
              - path: chat.jsonl
                type: messages
            sequence_len: {sequenceLen}
            """);
        var config = DataConfig.Load(dir.File("same.yaml"));
        var data = new DataPipeline(config, TrainingData.LoadTokenizer(config)).Prepare(useCache: false);
        using var model = HfModelFolder.Load(modelFolder, CPU, ScalarType.Float32);
        if (adapterFolder is not null) LoraModel.Load(model, adapterFolder).MergeAndUnload();
        return CausalLmEvaluator.Evaluate(model, data.Train, data.Collator, batchSize, CPU);
    }

    private static JsonObject Eval(TempFolder dir, string jsonName, params string[] args)
    {
        string jsonPath = dir.File(jsonName);
        var run = CliProcess.Run(["eval", .. args, "--device", "cpu", "--dtype", "float32", "--json", jsonPath]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonNode.Parse(File.ReadAllText(jsonPath))!.AsObject();
    }

    private static void AssertSame(EvaluationResult expected, JsonObject actual)
    {
        Assert.Equal(expected.Samples, (int)actual["samples"]!);
        Assert.Equal(expected.ExactMatches, (int)actual["exact_matches"]!);
        Assert.Equal(expected.Labels, (long)actual["labels"]!);
        Assert.Equal(expected.Loss, (double)actual["loss"]!, 1e-9);
        Assert.Equal(expected.Perplexity, (double)actual["perplexity"]!, 1e-6);
        Assert.Equal(expected.ExactMatch, (double)actual["exact_match"]!, 1e-12);
    }

    [Fact]
    public void Eval_scores_every_row_as_the_evaluator_does_and_counts_the_replies_greedy_decoding_reproduces()
    {
        using var dir = new TempFolder();
        string modelFolder = MakeModel(dir);
        string data = WriteChats(dir, modelFolder);
        var before = Directory.GetFileSystemEntries(dir.Path).ToHashSet();

        string jsonPath = dir.File("scores.json");
        // No --type: the first record's "messages" field says what the file holds.
        var run = CliProcess.Run("eval", "--model", modelFolder, "--dataset", data, "--sequence-len", "64", "--batch-size", "4",
            "--device", "cpu", "--dtype", "float32", "--json", jsonPath);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var json = JsonNode.Parse(File.ReadAllText(jsonPath))!.AsObject();

        // Three replies are the model's own greedy output; the other three differ only in their last letter.
        Assert.Equal(6, (int)json["samples"]!);
        Assert.Equal(3, (int)json["exact_matches"]!);
        Assert.Equal(6 * AnswerLength, (long)json["labels"]!);
        Assert.Equal(1, (long)json["rows_dropped"]!);
        Assert.Equal(1, (long)json["dropped"]!["exceeds_sequence_len"]!);
        Assert.Equal("messages", (string)json["type"]!);
        AssertSame(InProcess(dir, modelFolder, null, 64, 4), json);

        Assert.Contains("rows scored      6", run.Stdout);
        Assert.Contains("rows dropped     1 (exceeds_sequence_len 1)", run.Stdout);
        Assert.Contains($"labels scored    {6 * AnswerLength}", run.Stdout);
        Assert.Contains("exact match      3/6 (50", run.Stdout);
        Assert.Matches(@"loss             \d+\.\d{4}\n", run.Stdout);
        Assert.Matches(@"perplexity       \d+\.\d{4}\n", run.Stdout);
        Assert.Contains("chat.jsonl:7: exceeds_sequence_len", run.Stderr);
        // Nothing was written beside the data but the JSON asked for (and the run config of the in-process check).
        var after = Directory.GetFileSystemEntries(dir.Path).ToHashSet();
        after.ExceptWith(before);
        Assert.Equal(new[] { jsonPath, dir.File("same.yaml") }.Order(), after.Order());
    }

    [Fact]
    public void An_adapter_is_merged_before_scoring_and_an_adapter_folder_alone_finds_its_base()
    {
        using var dir = new TempFolder();
        string modelFolder = MakeModel(dir);
        WriteChats(dir, modelFolder);
        string adapterFolder = dir.File("adapter");
        using (var model = HfModelFolder.Load(modelFolder, CPU, ScalarType.Float32))
        {
            // Written relative to the adapter folder, as a run that saved it beside the base would.
            var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true, BaseModelNameOrPath = "../base" });
            LoraTestKit.Randomize(lora, seed: 8, std: 0.2);
            lora.Save(adapterFolder);
        }

        var withAdapter = Eval(dir, "a.json", "--model", modelFolder, "--adapter", adapterFolder, "--dataset", dir.File("chat.jsonl"), "--sequence-len", "64");
        var adapterAlone = Eval(dir, "b.json", "--model", adapterFolder, "--dataset", dir.File("chat.jsonl"), "--sequence-len", "64");

        var expected = InProcess(dir, modelFolder, adapterFolder, 64, 8);
        AssertSame(expected, withAdapter);
        AssertSame(expected, adapterAlone);
        var plain = InProcess(dir, modelFolder, null, 64, 8);
        Assert.True(Math.Abs(plain.Loss - expected.Loss) > 1e-3, $"the adapter changed nothing: {plain.Loss} vs {expected.Loss}");
    }

    [Fact]
    public void Bad_inputs_are_one_line_errors_that_name_the_file_or_option()
    {
        using var dir = new TempFolder();
        string modelFolder = MakeModel(dir);
        File.WriteAllText(dir.File("alpaca.jsonl"), "{\"instruction\": \"say hi\", \"output\": \"hi\"}\n");
        File.WriteAllText(dir.File("odd.jsonl"), "{\"question\": \"?\", \"answer\": \"!\"}\n");
        string orphan = dir.File("orphan");
        PeftAdapterConfig.Write(new LoraConfig { R = 4, Alpha = 8, BaseModelNameOrPath = "no-such-base" }, Path.Combine(Directory.CreateDirectory(orphan).FullName, "adapter_config.json"));

        void Fails(string expected, params string[] args)
        {
            var run = CliProcess.Run(["eval", .. args, "--device", "cpu"]);
            Assert.True(run.ExitCode == 1, $"{string.Join(" ", args)}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
            string error = run.Stderr.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
            Assert.Contains(expected, error);
        }

        Fails($"--model: folder not found: {dir.File("nope")}", "--model", dir.File("nope"), "--dataset", dir.File("alpaca.jsonl"));
        Fails($"--adapter: folder not found: {dir.File("nope")}", "--model", modelFolder, "--adapter", dir.File("nope"), "--dataset", dir.File("alpaca.jsonl"));
        Fails($"--dataset: path not found: {dir.File("missing.jsonl")}", "--model", modelFolder, "--dataset", dir.File("missing.jsonl"));
        Fails("--type: unknown dataset type 'alpacca'", "--model", modelFolder, "--dataset", dir.File("alpaca.jsonl"), "--type", "alpacca");
        Fails("--type: ", "--model", modelFolder, "--dataset", dir.File("alpaca.jsonl"), "--type", "preference");
        Fails($"--dataset: cannot tell the type of {dir.File("odd.jsonl")}", "--model", modelFolder, "--dataset", dir.File("odd.jsonl"));
        Fails($"{dir.File("alpaca.jsonl")}: no row can be scored (1 read, exceeds_sequence_len 1; --sequence-len 8)",
            "--model", modelFolder, "--dataset", dir.File("alpaca.jsonl"), "--sequence-len", "8");
        Fails($"{dir.File("alpaca.jsonl")}:1: field 'text'", "--model", modelFolder, "--dataset", dir.File("alpaca.jsonl"), "--type", "text");
        Fails($"{Path.Combine(orphan, "adapter_config.json")}: base model 'no-such-base' (base_model_name_or_path) not found as a folder", "--model", orphan, "--dataset", dir.File("alpaca.jsonl"));
        Fails("--batch-size: must be at least 1", "--model", modelFolder, "--dataset", dir.File("alpaca.jsonl"), "--batch-size", "0");
    }
}
