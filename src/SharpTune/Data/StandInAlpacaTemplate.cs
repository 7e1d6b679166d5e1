using System.Text;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// The Alpaca prompt format (a system text, then <c>### Instruction:</c> and <c>### Response:</c> blocks; each
/// response ends with the eos token), written in C# until the Jinja built-ins are merged.
/// </summary>
internal sealed class StandInAlpacaTemplate(string eos) : IChatTemplate
{
    private const string DefaultSystem = "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var text = new StringBuilder();
        bool hasSystem = messages.Count > 0 && messages[0].Role == "system";
        text.Append(hasSystem ? messages[0].Content : DefaultSystem).Append("\n\n");
        foreach (var m in messages.Skip(hasSystem ? 1 : 0))
        {
            if (m.Role == "assistant") text.Append("### Response:\n").Append(m.Content).Append(eos).Append("\n\n");
            else text.Append("### Instruction:\n").Append(m.Content).Append("\n\n");
        }
        if (addGenerationPrompt) text.Append("### Response:\n");
        return text.ToString();
    }
}
