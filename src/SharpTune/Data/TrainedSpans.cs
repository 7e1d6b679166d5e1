using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Finds which characters of a rendered conversation are trained, without knowing the template's syntax: for each
/// assistant turn i, the conversation up to turn i is rendered with the generation prompt (the text before the reply)
/// and the conversation up to and including turn i without it (the text through the reply and its end-of-turn
/// marker). When both are prefixes of the whole rendering, the characters between them are that turn's trained span:
/// the reply plus whatever the template closes the turn with (e.g. <c>&lt;|im_end|&gt;\n</c> or the eos token).
/// Templates that render a prefix differently from the start of the whole (some strip earlier reasoning) fall back to
/// locating each reply's own text, which trains the reply without its end marker; such conversations are counted.
/// </summary>
internal static class TrainedSpans
{
    /// <summary>The rendering cut into (text, trained) pieces that cover it in order.</summary>
    /// <param name="template">The chat template.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="onlyLast">Train only the final assistant turn (preference pairs).</param>
    /// <param name="usedFallback">Whether any turn had to be located by its text.</param>
    /// <exception cref="RecordFormatException">The template refused the conversation, or a reply cannot be found in the rendering.</exception>
    public static List<(string Text, bool Trained)> Split(IChatTemplate template, IReadOnlyList<ChatMessage> messages, bool onlyLast, out bool usedFallback)
    {
        usedFallback = false;
        string full = Render(template, messages, false);
        var spans = new List<(int Start, int End)>();
        int cursor = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role != "assistant" || (onlyLast && i != messages.Count - 1)) continue;
            string? before = TryRender(template, messages.Take(i).ToList(), true);
            string? through = TryRender(template, messages.Take(i + 1).ToList(), false);
            if (before is not null && through is not null && before.Length >= cursor && through.Length >= before.Length
                && full.StartsWith(before, StringComparison.Ordinal) && full.StartsWith(through, StringComparison.Ordinal))
            {
                spans.Add((before.Length, through.Length));
                cursor = through.Length;
                continue;
            }
            usedFallback = true;
            string reply = messages[i].Content;
            int at = reply.Length == 0 ? -1 : full.IndexOf(reply, cursor, StringComparison.Ordinal);
            if (at < 0)
            {
                if (reply.Length == 0) continue;
                throw new RecordFormatException($"messages[{i}]", "the chat template's rendering does not contain this reply's text, so its trained span cannot be found");
            }
            spans.Add((at, at + reply.Length));
            cursor = at + reply.Length;
        }
        var pieces = new List<(string, bool)>();
        int position = 0;
        foreach (var (start, end) in spans)
        {
            if (start > position) pieces.Add((full[position..start], false));
            if (end > start) pieces.Add((full[start..end], true));
            position = end;
        }
        if (position < full.Length) pieces.Add((full[position..], false));
        return pieces;
    }

    /// <summary>A prefix's rendering, or null when the template refuses it (some refuse e.g. a conversation that starts with the assistant).</summary>
    private static string? TryRender(IChatTemplate template, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        try
        {
            return template.Render(messages, addGenerationPrompt);
        }
        catch (SharpTuneException)
        {
            return null;
        }
    }

    private static string Render(IChatTemplate template, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        try
        {
            return template.Render(messages, addGenerationPrompt);
        }
        catch (SharpTuneException e)
        {
            throw new RecordFormatException(null, $"the chat template refused the conversation: {e.Message}");
        }
    }
}
