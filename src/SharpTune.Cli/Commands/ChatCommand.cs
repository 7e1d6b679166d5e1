using SharpTune.Adapters;
using System.CommandLine;
using SharpTune.Data;
using SharpTune.Inference;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune chat --model DIR [--adapter DIR]</c>: a conversation with a model through its chat template, reading
/// user lines from stdin (or --message), streaming each reply; /reset clears the history, /exit or end of input ends.
/// </summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelOrAdapter();
        var adapter = CommonOptions.Adapter();
        var chatTemplate = new Option<string>("--chat-template")
        {
            Description = "tokenizer_default (the tokenizer's own, else chatml), a name of the tokenizer's templates, or a built-in: chatml, llama3, alpaca, vicuna",
            DefaultValueFactory = _ => ChatTemplate.TokenizerDefault,
        };
        var system = new Option<string?>("--system") { Description = "a system message that opens the conversation" };
        var message = new Option<string[]>("--message")
        {
            Description = "send this user message and print the reply, without reading stdin; repeat for several turns",
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => [],
        };
        var sampling = new SamplingOptions(maxNewTokens: 256);
        var device = CommonOptions.Device();
        var dtype = CommonOptions.Dtype();

        var command = new Command("chat", "Chat with a model (or a LoRA adapter on it) through its chat template; greedy when --temperature is 0.")
        {
            model, adapter, chatTemplate, system, message, device, dtype,
        };
        sampling.AddTo(command);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var (dev, type) = CommonOptions.Resolve(result.GetValue(device)!, result.GetValue(dtype)!);
            var location = ModelLocation.Resolve(result.GetValue(model)!, result.GetValue(adapter));
            var tokenizerConfig = TokenizerConfig.Load(location.TokenizerFolder);
            string templateName = result.GetValue(chatTemplate)!;
            var chosen = ChatTemplateChoice.Resolve(templateName, tokenizerConfig);
            if (tokenizerConfig.ChatTemplate is null && templateName is ChatTemplate.TokenizerDefault)
                Console.Error.WriteLine($"note: {location.TokenizerFolder} has no chat_template; using chatml (choose another with --chat-template)");
            // Training renders with a fixed date for reproducible data; a conversation happens today.
            IChatTemplate template = chosen.Template is ChatTemplate jinja ? jinja.WithClock(() => DateTime.Now) : chosen.Template;
            using var lm = location.Load(dev, type);
            var tokenizer = TokenizerLoader.ForModel(location.TokenizerFolder, lm.Config.VocabSize);
            var session = new ChatSession(lm, tokenizer, template, sampling.Read(result, []), result.GetValue(system));

            var messages = result.GetValue(message) ?? [];
            if (messages.Length > 0)
            {
                foreach (var text in messages) Say(session, text);
                return;
            }
            Converse(session, interactive: !Console.IsInputRedirected, chosen.Name);
        }));
        return command;
    }

    /// <summary>Reads user lines until /exit or end of input; on a terminal, prompts with "> " and survives a failed turn.</summary>
    private static void Converse(ChatSession session, bool interactive, string templateName)
    {
        if (interactive)
            Console.Error.WriteLine($"chat template: {templateName}. /reset clears the conversation; /exit or Ctrl-D ends it.");
        while (true)
        {
            if (interactive) Console.Write("> ");
            string? line = Console.ReadLine();
            if (line is null) break;
            string command = line.Trim();
            if (command.Length == 0) continue;
            if (command is "/exit" or "/quit") break;
            if (command == "/reset")
            {
                session.Reset();
                if (interactive) Console.Error.WriteLine("(conversation cleared)");
                continue;
            }
            try
            {
                Say(session, line);
            }
            catch (SharpTuneException e) when (interactive)
            {
                Console.Out.Flush();
                Console.Error.WriteLine($"error: {e.Message}");
            }
        }
        if (interactive) Console.WriteLine();
    }

    /// <summary>Sends one user message and prints the reply as it is generated, then a newline.</summary>
    private static void Say(ChatSession session, string text)
    {
        session.Reply(text, Console.Write);
        Console.WriteLine();
    }
}
