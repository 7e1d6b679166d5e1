using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Inference;
using SharpTune.Models;
using SharpTune.Tests.Adapters;
using SharpTune.Tests.Inference;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;
using static TorchSharp.torch;

namespace SharpTune.Tests.Cli;

public sealed class ChatCommandTests
{
    private const int MaxNew = 12;

    private static readonly string[] Cpu = ["--device", "cpu", "--dtype", "float32", "--max-new-tokens", "12"];

    /// <summary>A tiny byte-vocabulary base model folder (no tokenizer.json, no chat template).</summary>
    private static string Base(TempFolder dir)
    {
        string folder = dir.File("base");
        var json = ModelPresets.Config("tiny", "llama");
        json["num_hidden_layers"] = 2;
        using var model = new LlamaForCausalLM(ModelConfig.FromJson(json, "tiny"));
        model.InitializeWeights(11);
        HfModelFolder.Save(model, folder);
        return folder;
    }

    /// <summary>What the model replies greedily to <paramref name="messages"/> rendered with ChatML, worked out without ChatSession.</summary>
    private static string Expected(LlamaForCausalLM model, IReadOnlyList<ChatMessage> messages)
    {
        var tokenizer = new ByteTokenizer();
        var prompt = tokenizer.Encode(ChatTemplate.Builtin("chatml").Render(messages, addGenerationPrompt: true), addSpecialTokens: false);
        var stops = model.Config.EosTokenIds.Append(ByteTokenizer.Eos).ToHashSet();
        var ids = new TextGenerator(model).Generate(prompt, new GenerationOptions { MaxNewTokens = MaxNew, StopIds = stops }).ToList();
        if (ids.Count > 0 && stops.Contains(ids[^1])) ids.RemoveAt(ids.Count - 1);
        string text = tokenizer.Decode(ids);
        int end = text.IndexOf("<|im_end|>", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    private static ChatMessage User(string text) => new("user", text);

    private static ChatMessage Assistant(string text) => new("assistant", text);

    [Fact]
    public void Replies_are_the_greedy_generation_for_the_rendered_history()
    {
        using var dir = new TempFolder();
        string folder = Base(dir);
        var run = CliProcess.RunWithInput("hello\nhow are you\n/reset\nhello\n/exit\nnot read\n", ["chat", "--model", folder, "--chat-template", "chatml", .. Cpu]);
        Assert.True(run.ExitCode == 0, run.Stderr);

        using var model = HfModelFolder.Load(folder, CPU, ScalarType.Float32);
        string first = Expected(model, [User("hello")]);
        string second = Expected(model, [User("hello"), Assistant(first), User("how are you")]);
        Assert.NotEmpty(first);
        Assert.NotEmpty(second);
        Assert.NotEqual(Expected(model, [User("how are you")]), second); // the history changes the reply
        // No "> " prompt when stdin is not a terminal; /reset starts over; /exit ends before the last line.
        Assert.Equal($"{first}\n{second}\n{first}\n", run.Stdout);
    }

    [Fact]
    public void The_tokenizer_configs_template_is_used_and_its_end_marker_ends_the_reply()
    {
        using var dir = new TempFolder();
        string folder = dir.File("scripted");
        using (var model = ScriptedModel.Create(ScriptedModel.Writing(':', "ok<END>!")))
            HfModelFolder.Save(model, folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["chat_template"] = "{% for m in messages %}{{ m['role'] + ':' + m['content'] + '<END>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}",
        }.ToJsonString());

        var piped = CliProcess.RunWithInput("hi\nand again\n", ["chat", "--model", folder, "--system", "be brief", .. Cpu]);
        Assert.True(piped.ExitCode == 0, piped.Stderr);
        Assert.Equal("ok\nok\n", piped.Stdout);
        Assert.DoesNotContain("note:", piped.Stderr);

        var messages = CliProcess.Run(["chat", "--model", folder, "--message", "one", "--message", "two", .. Cpu]);
        Assert.True(messages.ExitCode == 0, messages.Stderr);
        Assert.Equal("ok\nok\n", messages.Stdout);
    }

    [Fact]
    public void An_adapter_folder_as_model_chats_as_its_base_with_the_adapter_merged()
    {
        using var dir = new TempFolder();
        string baseFolder = Base(dir), adapterFolder = dir.File("adapter");
        using (var model = HfModelFolder.Load(baseFolder, CPU, ScalarType.Float32))
        {
            // base_model_name_or_path relative to the adapter folder, as a folder moved with its base would have it.
            var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true, BaseModelNameOrPath = "../base" });
            LoraTestKit.Randomize(lora, seed: 3, std: 0.5);
            lora.Save(adapterFolder);
        }

        var asModel = CliProcess.Run(["chat", "--model", adapterFolder, "--chat-template", "chatml", "--message", "hello", .. Cpu]);
        var withAdapter = CliProcess.Run(["chat", "--model", baseFolder, "--adapter", adapterFolder, "--chat-template", "chatml", "--message", "hello", .. Cpu]);
        Assert.True(asModel.ExitCode == 0, asModel.Stderr);
        Assert.True(withAdapter.ExitCode == 0, withAdapter.Stderr);

        using var merged = HfModelFolder.Load(baseFolder, CPU, ScalarType.Float32);
        string plain = Expected(merged, [User("hello")]);
        LoraModel.Load(merged, adapterFolder).MergeAndUnload();
        string adapted = Expected(merged, [User("hello")]);
        Assert.NotEmpty(adapted);
        Assert.NotEqual(plain, adapted);
        Assert.Equal(adapted + "\n", asModel.Stdout);
        Assert.Equal(asModel.Stdout, withAdapter.Stdout);
    }

    [Fact]
    public void Missing_models_and_bases_are_one_line_errors()
    {
        using var dir = new TempFolder();
        string baseFolder = Base(dir), adapterFolder = dir.File("adapter");
        using (var model = HfModelFolder.Load(baseFolder, CPU, ScalarType.Float32))
            LoraModel.Inject(model, new LoraConfig { R = 2, Alpha = 2, TargetAllLinear = true, BaseModelNameOrPath = "no-such-base" }).Save(adapterFolder);

        var missing = CliProcess.Run("chat", "--model", dir.File("nope"), "--message", "hi");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"error: {dir.File("nope")}: model folder not found\n", missing.Stderr);

        var noBase = CliProcess.Run("chat", "--model", adapterFolder, "--message", "hi");
        Assert.Equal(1, noBase.ExitCode);
        Assert.StartsWith("error: ", noBase.Stderr);
        Assert.Contains("base model 'no-such-base' (base_model_name_or_path) not found", noBase.Stderr);
        Assert.Contains("--adapter", noBase.Stderr);
        Assert.Single(noBase.Stderr.Trim().Split('\n'));

        var both = CliProcess.Run("chat", "--model", adapterFolder, "--adapter", adapterFolder, "--message", "hi");
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("is an adapter folder", both.Stderr);
    }
}
