using System.Text;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Data;

/// <summary>A ChatML-like template for tests: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per turn.</summary>
internal sealed class TestChatTemplate : IChatTemplate
{
    public const string EndOfTurn = "<|im_end|>\n";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var text = new StringBuilder();
        foreach (var m in messages) text.Append($"<|im_start|>{m.Role}\n{m.Content}{EndOfTurn}");
        if (addGenerationPrompt) text.Append("<|im_start|>assistant\n");
        return text.ToString();
    }
}
