using System.Text;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Data;

/// <summary>
/// A template that renders a prefix differently from the start of the whole conversation (it marks the final turn,
/// as templates that strip earlier reasoning do), so prefix rendering cannot find the trained spans.
/// </summary>
internal sealed class LastTurnTemplate : IChatTemplate
{
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var text = new StringBuilder();
        for (int i = 0; i < messages.Count; i++)
            text.Append(i == messages.Count - 1 ? "[last]" : "").Append($"<{messages[i].Role}>{messages[i].Content}</>");
        if (addGenerationPrompt) text.Append("<assistant>");
        return text.ToString();
    }
}
