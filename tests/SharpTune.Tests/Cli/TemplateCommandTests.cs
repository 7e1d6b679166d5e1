using System.Text.Json.Nodes;

namespace SharpTune.Tests.Cli;

/// <summary><c>sharptune template render</c>: prints exactly what transformers would render, and names the file and message at fault.</summary>
public sealed class TemplateCommandTests
{
    private static string PythonRender(string tokenizer, JsonObject variables)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Peers.TokenizerFolder(tokenizer), "tokenizer_config.json")))!.AsObject();
        variables["template"] = (string)config["chat_template"]!;
        variables["eos_token"] = (string)config["eos_token"]!;
        variables["pad_token"] = (string)config["pad_token"]!;
        return Peers.Run("python3", ["render_template.py"], variables.ToJsonString());
    }

    [Fact]
    public void Renders_exactly_what_jinja2_renders()
    {
        using var dir = new TempFolder();
        const string conversation = """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Héllo 😀\n{{ x }}"}, {"role": "assistant", "content": "<think>\nhm\n</think>\n\nHi"}, {"role": "user", "content": "Again"}]""";
        File.WriteAllText(dir.File("chat.json"), conversation);
        var run = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("qwen3"), "--messages", dir.File("chat.json"), "--add-generation-prompt");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var expected = PythonRender("qwen3", new JsonObject { ["messages"] = JsonNode.Parse(conversation), ["add_generation_prompt"] = true });
        Assert.Equal(expected, run.Stdout);
        Assert.EndsWith("<|im_start|>assistant\n", run.Stdout);

        File.WriteAllText(dir.File("tools.json"), """
            {"messages": [{"role": "user", "content": "Weather?"}],
             "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}], "enable_thinking": false}
            """);
        var tools = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("qwen3"), "--messages", dir.File("tools.json"));
        Assert.True(tools.ExitCode == 0, tools.Stderr);
        var withTools = JsonNode.Parse(File.ReadAllText(dir.File("tools.json")))!.AsObject();
        Assert.Equal(PythonRender("qwen3", withTools), tools.Stdout);
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"weather\"", tools.Stdout);
    }

    [Fact]
    public void Picks_a_builtin_or_a_template_file()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("chat.json"), """[{"role": "user", "content": "Hi"}]""");
        var chatml = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("llama2"), "--messages", dir.File("chat.json"), "--template", "chatml");
        Assert.True(chatml.ExitCode == 0, chatml.Stderr);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n", chatml.Stdout);

        File.WriteAllText(dir.File("mine.jinja"), "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}\n");
        var file = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("llama2"), "--messages", dir.File("chat.json"), "--template", dir.File("mine.jinja"));
        Assert.True(file.ExitCode == 0, file.Stderr);
        Assert.Equal("<s><user>Hi", file.Stdout);
    }

    [Fact]
    public void Bad_input_names_the_file_and_the_message()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("bad.json"), """[{"role": "user", "content": "a"}, {"content": "no role"}]""");
        var noRole = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("qwen3"), "--messages", dir.File("bad.json"));
        Assert.Equal(1, noRole.ExitCode);
        Assert.Equal($"error: {dir.File("bad.json")}: messages[1].role must be a string (system, user, assistant, tool, …)", noRole.Stderr.Trim());
        Assert.Equal("", noRole.Stdout);

        File.WriteAllText(dir.File("content.json"), """{"messages": [{"role": "user", "content": 5}]}""");
        var content = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("qwen3"), "--messages", dir.File("content.json"));
        Assert.Contains("content.json: messages[0].content must be text", content.Stderr);

        File.WriteAllText(dir.File("broken.json"), "[{\"role\": \"user\",\n \"content\": }]");
        var broken = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("qwen3"), "--messages", dir.File("broken.json"));
        Assert.Contains("broken.json: not valid JSON (line 2)", broken.Stderr);

        File.WriteAllText(dir.File("ok.json"), """[{"role": "user", "content": "a"}]""");
        var noTemplate = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("llama2"), "--messages", dir.File("ok.json"));
        Assert.Equal(1, noTemplate.ExitCode);
        Assert.Contains("has no chat_template in tokenizer_config.json: pass --template with one of chatml, llama3, alpaca, vicuna", noTemplate.Stderr);

        File.WriteAllText(dir.File("broken.jinja"), "ok\n{% for m in messages %}\n{{ m.content }\n{% endfor %}");
        var syntax = CliProcess.Run("template", "render", "--messages", dir.File("ok.json"), "--template", dir.File("broken.jinja"));
        Assert.Equal(1, syntax.ExitCode);
        Assert.Contains($"template '{dir.File("broken.jinja")}', line 3, column", syntax.Stderr);
        Assert.DoesNotContain("   at ", syntax.Stderr);

        File.WriteAllText(dir.File("twice.json"), """[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]""");
        var raised = CliProcess.Run("template", "render", "--tokenizer", Peers.TokenizerFolder("gemma3"), "--messages", dir.File("twice.json"));
        Assert.Equal(1, raised.ExitCode);
        Assert.Contains("line 19, column 12: the template raised an error: Conversation roles must alternate user/assistant/user/assistant/...", raised.Stderr);

        var missing = CliProcess.Run("template", "render", "--messages", dir.File("nope.json"), "--template", "chatml");
        Assert.Contains("--messages: file not found", missing.Stderr);
    }
}
