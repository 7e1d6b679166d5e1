using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune template render</c>: renders a conversation with a chat template, as transformers' apply_chat_template does.</summary>
internal static class TemplateCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "a tokenizer (or model) folder; its tokenizer_config.json gives the chat_template and special tokens",
        };
        var messages = new Option<string>("--messages")
        {
            Description = "a JSON file: a list of {role, content} messages, or {\"messages\": [...], other template variables such as tools}",
            Required = true,
        };
        var generation = new Option<bool>("--add-generation-prompt") { Description = "end with the opening of an assistant turn" };
        var template = new Option<string?>("--template")
        {
            Description = $"{ChatTemplate.TokenizerDefault} (default), a built-in ({string.Join(", ", ChatTemplate.BuiltinNames)}), "
                + "one of the tokenizer's named templates, or a .jinja file",
        };
        var render = new Command("render", "Print the text a chat template makes of a conversation (exactly, without an added newline).")
        {
            tokenizer, messages, generation, template,
        };
        render.SetAction(result => CommandRunner.Run(() =>
        {
            var folder = result.GetValue(tokenizer);
            var config = LoadConfig(folder);
            var chat = ResolveTemplate(result.GetValue(template), config, folder);
            var (list, variables) = ReadMessages(result.GetValue(messages)!);
            var text = chat.RenderJson(list, result.GetValue(generation), variables);
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(new UTF8Encoding(false).GetBytes(text));
        }));
        return new Command("template", "Work with chat templates.") { render };
    }

    private static TokenizerConfig LoadConfig(string? folder)
    {
        if (folder == null) return new TokenizerConfig();
        if (!Directory.Exists(folder)) throw new SharpTuneException($"--tokenizer: folder not found: {folder}");
        return TokenizerConfig.Load(folder);
    }

    private static ChatTemplate ResolveTemplate(string? name, TokenizerConfig config, string? folder)
    {
        if (name != null && (name.EndsWith(".jinja", StringComparison.Ordinal) || name.EndsWith(".j2", StringComparison.Ordinal)
                             || name.Contains(Path.DirectorySeparatorChar) || name.Contains('/')))
        {
            if (!File.Exists(name)) throw new SharpTuneException($"--template: file not found: {name}");
            return ChatTemplate.FromSource(File.ReadAllText(name), name, config);
        }
        if (name == null && config.ChatTemplate == null)
            throw new SharpTuneException((folder == null ? "no --tokenizer given" : $"{folder} has no chat_template in {TokenizerConfig.FileName}")
                + $": pass --template with one of {string.Join(", ", ChatTemplate.BuiltinNames)} (in a train config: chat_template:)");
        return ChatTemplate.Resolve(name, config, folder ?? "the tokenizer");
    }

    /// <summary>Reads the messages file, checking each message's shape and naming the file and index of any fault.</summary>
    private static (JsonArray Messages, JsonObject Variables) ReadMessages(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"--messages: file not found: {path}");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        JsonArray list;
        var variables = new JsonObject();
        switch (root)
        {
            case JsonArray a:
                list = a;
                break;
            case JsonObject o when o["messages"] is JsonArray a:
                list = a;
                foreach (var (k, v) in o)
                    if (k != "messages") variables[k] = v?.DeepClone();
                if (variables.ContainsKey("add_generation_prompt"))
                    throw new SharpTuneException($"{path}: set add_generation_prompt with --add-generation-prompt, not in the file");
                break;
            default:
                throw new SharpTuneException($"{path}: must hold a JSON list of messages, or an object whose 'messages' is that list");
        }
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message)
                throw new SharpTuneException($"{path}: messages[{i}] must be an object with 'role' and 'content'");
            if (message["role"] is not JsonValue role || role.GetValueKind() != JsonValueKind.String)
                throw new SharpTuneException($"{path}: messages[{i}].role must be a string (system, user, assistant, tool, …)");
            if (message.TryGetPropertyValue("content", out var content) && content is not null && content is not JsonArray
                && !(content is JsonValue v && v.GetValueKind() == JsonValueKind.String))
                throw new SharpTuneException($"{path}: messages[{i}].content must be text, a list of content parts, or null");
        }
        return (list, variables);
    }
}
