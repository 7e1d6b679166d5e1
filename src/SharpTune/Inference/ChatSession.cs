using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Inference;

/// <summary>
/// A conversation with a causal LM: each user message is added to the history, the whole history is rendered with
/// the chat template (ending with the opening of an assistant turn) and the reply is generated with a KV cache,
/// handed out as it is decoded, and ended at an eos id or the template's end-of-turn marker, which is left out of
/// the reply kept in the history.
/// </summary>
public sealed class ChatSession
{
    private const string Probe = "SHARPTUNE_END_OF_TURN_PROBE";

    private readonly LlamaForCausalLM model;
    private readonly ITokenizer tokenizer;
    private readonly IChatTemplate template;
    private readonly GenerationOptions options;
    private readonly TextGenerator generator;
    private readonly List<ChatMessage> history = [];
    private readonly ChatMessage? system;

    /// <summary>A new conversation, opened by <paramref name="systemPrompt"/> when one is given.</summary>
    /// <param name="model">The model that replies.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The chat template the model was trained with.</param>
    /// <param name="options">How each reply is generated; its stop ids are replaced by <see cref="StopIds"/>.</param>
    /// <param name="systemPrompt">A system message that opens the conversation (and survives <see cref="Reset"/>).</param>
    public ChatSession(LlamaForCausalLM model, ITokenizer tokenizer, IChatTemplate template, GenerationOptions options, string? systemPrompt = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate("chat");
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.options = options;
        generator = new TextGenerator(model);
        system = systemPrompt is null ? null : new ChatMessage("system", systemPrompt);
        EndOfTurn = FindEndOfTurn(template);
        StopIds = FindStopIds(model.Config, tokenizer, EndOfTurn);
        Reset();
    }

    /// <summary>The text that ends an assistant turn in this template (e.g. <c>&lt;|im_end|&gt;</c>), or null when it adds none.</summary>
    public string? EndOfTurn { get; }

    /// <summary>The ids that end a reply: the model's eos ids, the tokenizer's eos, and the end-of-turn marker when it is one token.</summary>
    public IReadOnlySet<long> StopIds { get; }

    /// <summary>The conversation so far: the system message (if any), then user and assistant turns.</summary>
    public IReadOnlyList<ChatMessage> History => history;

    /// <summary>Forgets every turn, keeping the system message.</summary>
    public void Reset()
    {
        history.Clear();
        if (system is not null) history.Add(system);
    }

    /// <summary>
    /// Replies to <paramref name="message"/>, calling <paramref name="onText"/> with each piece of the reply as it is
    /// decoded; returns the whole reply. Both turns join the history only when the reply completes.
    /// </summary>
    /// <exception cref="SharpTuneException">The conversation no longer fits the model's positions (start over with <see cref="Reset"/>), or the template rejects it.</exception>
    public string Reply(string message, Action<string>? onText = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var user = new ChatMessage("user", message);
        var prompt = PromptIds([.. history, user]);
        long room = model.Config.MaxPositionEmbeddings - prompt.Count;
        if (room < 1)
            throw new SharpTuneException($"chat: the conversation is {prompt.Count} tokens, the model takes {model.Config.MaxPositionEmbeddings} (max_position_embeddings); reset it to start over");
        int turn = history.Count(m => m.Role == "assistant");
        var turnOptions = options with
        {
            MaxNewTokens = (int)Math.Min(options.MaxNewTokens, room),
            StopIds = StopIds,
            Seed = options.Seed + turn,
        };
        var decoder = new StreamingDecoder(tokenizer, EndOfTurn);
        foreach (long id in generator.Generate(prompt, turnOptions))
        {
            if (StopIds.Contains(id)) break;
            string piece = decoder.Push(id);
            if (piece.Length > 0) onText?.Invoke(piece);
            if (decoder.Stopped) break;
        }
        string rest = decoder.Flush();
        if (rest.Length > 0) onText?.Invoke(rest);
        history.Add(user);
        history.Add(new ChatMessage("assistant", decoder.Text));
        return decoder.Text;
    }

    /// <summary>The token ids the model sees for <paramref name="messages"/>: the template's text with the assistant opening, encoded without adding special tokens (the template writes its own, as in training).</summary>
    public IReadOnlyList<long> PromptIds(IReadOnlyList<ChatMessage> messages) =>
        tokenizer.Encode(template.Render(messages, addGenerationPrompt: true), addSpecialTokens: false);

    /// <summary>
    /// The marker that ends an assistant turn in <paramref name="template"/>: what it writes right after an
    /// assistant message's text, up to the first whitespace or, when it starts with '&lt;', the first '&gt;' (e.g. <c>&lt;|im_end|&gt;</c> for ChatML,
    /// <c>&lt;|eot_id|&gt;</c> for Llama 3, <c>&lt;end_of_turn&gt;</c> for Gemma). Null when it writes nothing
    /// there or cannot render a user–assistant exchange.
    /// </summary>
    public static string? FindEndOfTurn(IChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        string text;
        try
        {
            text = template.Render([new ChatMessage("user", "hi"), new ChatMessage("assistant", Probe)]);
        }
        catch (SharpTuneException)
        {
            return null;
        }
        int at = text.LastIndexOf(Probe, StringComparison.Ordinal);
        if (at < 0) return null;
        var words = text[(at + Probe.Length)..].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return null;
        // Special tokens may follow each other without a space (Llama 3 writes the next header right after <|eot_id|>).
        string marker = words[0];
        int close = marker.IndexOf('>');
        return marker.StartsWith('<') && close > 0 ? marker[..(close + 1)] : marker;
    }

    /// <summary>The ids that end a reply: <paramref name="config"/>'s eos ids, the tokenizer's eos id, and <paramref name="endOfTurn"/>'s id when it encodes to one token.</summary>
    public static IReadOnlySet<long> FindStopIds(ModelConfig config, ITokenizer tokenizer, string? endOfTurn)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = new HashSet<long>(config.EosTokenIds);
        if (tokenizer.EosId is { } eos) ids.Add(eos);
        if (!string.IsNullOrEmpty(endOfTurn) && tokenizer.Encode(endOfTurn, addSpecialTokens: false) is [var single])
            ids.Add(single);
        return ids;
    }
}
