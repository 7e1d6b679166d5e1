using System.Text;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>ChatML (<c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>), written in C# until the Jinja built-ins are merged.</summary>
internal sealed class StandInChatMlTemplate : IChatTemplate
{
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var text = new StringBuilder();
        foreach (var m in messages) text.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        if (addGenerationPrompt) text.Append("<|im_start|>assistant\n");
        return text.ToString();
    }
}
