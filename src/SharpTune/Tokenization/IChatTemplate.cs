namespace SharpTune.Tokenization;

/// <summary>Turns a conversation into the one string a model was trained on (a tokenizer's Jinja <c>chat_template</c>, or a built-in one).</summary>
public interface IChatTemplate
{
    /// <summary>Renders <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/>, ends with the opening of an assistant turn.</summary>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false);
}
