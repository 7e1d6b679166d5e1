using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization.Templates.Jinja;

namespace SharpTune.Tokenization.Templates;

/// <summary>
/// A chat template rendered the way transformers' <c>apply_chat_template</c> renders it: the Jinja source (a
/// tokenizer's <c>chat_template</c> or one of ours) sees <c>messages</c>, <c>add_generation_prompt</c>,
/// <c>tools</c> and <c>documents</c> (none unless given), the tokenizer's special tokens (<c>bos_token</c>,
/// <c>eos_token</c>, …) and the functions <c>raise_exception</c> and <c>strftime_now</c>.
/// </summary>
public sealed class ChatTemplate : IChatTemplate
{
    /// <summary>The <c>chat_template:</c> value that picks the tokenizer's own template.</summary>
    public const string TokenizerDefault = "tokenizer_default";

    private readonly JinjaTemplate _template;
    private readonly Dictionary<string, object?> _tokens;

    private readonly Func<DateTime> _clock;

    private ChatTemplate(string name, string source, TokenizerConfig? config)
    {
        Name = name;
        Source = source;
        _template = JinjaTemplate.Parse(source, name);
        _tokens = config == null ? [] : SpecialTokens(config);
        _clock = () => DateTime.Now;
    }

    private ChatTemplate(ChatTemplate other, Func<DateTime> clock)
    {
        Name = other.Name;
        Source = other.Source;
        _template = other._template;
        _tokens = other._tokens;
        _clock = clock;
    }

    /// <summary>The names of SharpTune's built-in templates: chatml, llama3, alpaca, vicuna.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = ["chatml", "llama3", "alpaca", "vicuna"];

    /// <summary>What errors call this template: a built-in's name, or where the tokenizer's came from.</summary>
    public string Name { get; }

    /// <summary>The Jinja source.</summary>
    public string Source { get; }

    /// <summary>This template with <c>strftime_now</c> reading <paramref name="clock"/> instead of local time (for reproducible renders).</summary>
    public ChatTemplate WithClock(Func<DateTime> clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new ChatTemplate(this, clock);
    }

    /// <summary>A template from its Jinja <paramref name="source"/>; <paramref name="config"/> supplies the special tokens it may read.</summary>
    public static ChatTemplate FromSource(string source, string name, TokenizerConfig? config = null) => new(name, source, config);

    /// <summary>SharpTune's built-in template <paramref name="name"/> (see <see cref="BuiltinNames"/>), with the special tokens of <paramref name="config"/>.</summary>
    public static ChatTemplate Builtin(string name, TokenizerConfig? config = null)
    {
        if (!BuiltinChatTemplates.ByName.TryGetValue(name, out var source))
            throw new SharpTuneException($"unknown built-in chat template '{name}'; the built-ins are {string.Join(", ", BuiltinNames)}");
        return new ChatTemplate(name, source, config);
    }

    /// <summary>
    /// The template a config asks for: null or <see cref="TokenizerDefault"/> is the tokenizer's own, a name of
    /// the tokenizer's named templates picks that one, otherwise a built-in. <paramref name="source"/> names the
    /// tokenizer in errors (e.g. its folder).
    /// </summary>
    public static ChatTemplate Resolve(string? nameOrNull, TokenizerConfig config, string source = "the tokenizer")
    {
        ArgumentNullException.ThrowIfNull(config);
        var builtins = string.Join(", ", BuiltinNames);
        if (nameOrNull == null || nameOrNull == TokenizerDefault)
        {
            if (config.ChatTemplate is { } own) return new ChatTemplate($"{source} chat_template", own, config);
            throw new SharpTuneException(
                $"{source} has no chat_template in {TokenizerConfig.FileName}; set 'chat_template:' in your config to one of {builtins}");
        }
        if (nameOrNull != "default" && config.ChatTemplates.TryGetValue(nameOrNull, out var named))
            return new ChatTemplate($"{source} chat_template '{nameOrNull}'", named, config);
        if (BuiltinChatTemplates.ByName.ContainsKey(nameOrNull)) return Builtin(nameOrNull, config);
        var tokenizerNames = config.ChatTemplates.Keys.Where(k => k != "default").Select(k => $"'{k}'").ToList();
        throw new SharpTuneException($"unknown chat_template '{nameOrNull}': use {TokenizerDefault}, one of {builtins}"
            + (tokenizerNames.Count > 0 ? $", or one of {source}'s templates {string.Join(", ", tokenizerNames)}" : ""));
    }

    /// <inheritdoc/>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = new object?[messages.Count];
        for (int i = 0; i < messages.Count; i++)
        {
            var d = new PyDict();
            d.Set("role", messages[i].Role);
            d.Set("content", messages[i].Content);
            list[i] = d;
        }
        return Render(new PyList(list), addGenerationPrompt, null);
    }

    /// <summary>
    /// Renders messages given as JSON objects (with <c>role</c>, <c>content</c> as text or a list of parts, and
    /// whatever else the template reads, e.g. <c>tool_calls</c>); <paramref name="variables"/> are further
    /// template variables such as <c>tools</c>, <c>documents</c>, <c>enable_thinking</c> or <c>date_string</c>.
    /// </summary>
    public string RenderJson(JsonArray messages, bool addGenerationPrompt = false, JsonObject? variables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Render(JsonValues.FromNode(messages), addGenerationPrompt, variables);
    }

    private string Render(object? messages, bool addGenerationPrompt, JsonObject? variables)
    {
        var context = new Dictionary<string, object?>(_tokens, StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["tools"] = null,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (variables != null)
            foreach (var (k, v) in variables) context[k] = JsonValues.FromNode(v);
        var globals = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["raise_exception"] = new PyCallable("raise_exception", a =>
                throw new JinjaError("TemplateError", PyRepr.Str(a.Bind("raise_exception", ["message"], [CallArguments.Required])[0]))),
            ["strftime_now"] = new PyCallable("strftime_now", a =>
                PyStrftime.Format(_clock(), StringMethods.Str(a.Bind("strftime_now", ["format"], [CallArguments.Required])[0], "strftime_now"))),
        };
        return _template.Render(context, globals);
    }

    /// <summary>
    /// The special tokens transformers passes to templates: bos/eos/unk/pad/sep/cls/mask, the other
    /// <c>*_token</c> strings of tokenizer_config.json (e.g. Gemma's image_token), extra_special_tokens and
    /// additional_special_tokens.
    /// </summary>
    private static Dictionary<string, object?> SpecialTokens(TokenizerConfig config)
    {
        var tokens = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, node) in config.Raw)
        {
            if (!key.EndsWith("_token", StringComparison.Ordinal) || key.StartsWith("add_", StringComparison.Ordinal)) continue;
            if (Text(node) is { } text) tokens[key] = text;
        }
        if (config.Raw["extra_special_tokens"] is JsonObject extra)
            foreach (var (key, node) in extra)
                if (Text(node) is { } text) tokens[key] = text;
        if (config.Raw["additional_special_tokens"] is JsonArray additional && additional.Count > 0)
        {
            var texts = additional.Select(Text).ToList();
            if (texts.All(t => t != null)) tokens["additional_special_tokens"] = new PyList(texts.Cast<object?>().ToArray());
        }
        if (config.BosToken != null) tokens["bos_token"] = config.BosToken;
        if (config.EosToken != null) tokens["eos_token"] = config.EosToken;
        if (config.UnkToken != null) tokens["unk_token"] = config.UnkToken;
        if (config.PadToken != null) tokens["pad_token"] = config.PadToken;
        return tokens;
    }

    private static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o when o["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String => c.GetValue<string>(),
        _ => null,
    };
}
