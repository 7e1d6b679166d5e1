using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Resolves a config's <c>chat_template:</c> to a template. This is the one seam between the data pipeline and the
/// chat-template engine: until the Jinja engine (<c>Tokenization.ChatTemplate.Resolve</c>) is merged, it knows only the
/// stand-ins for <c>chatml</c> and <c>alpaca</c>; at the merge its body becomes a call to that engine (and the stand-ins go).
/// </summary>
public static class ChatTemplateChoice
{
    /// <summary>
    /// The template <paramref name="name"/> names: <c>tokenizer_default</c> is the tokenizer's own template
    /// (<paramref name="tokenizerConfig"/>), or chatml when it has none; otherwise a built-in template by name.
    /// </summary>
    /// <exception cref="SharpTuneException">The name is unknown, or the template needs the Jinja engine.</exception>
    public static ResolvedChatTemplate Resolve(string name, TokenizerConfig tokenizerConfig)
    {
        // MERGE SEAM: replace the body with ChatTemplate.Resolve(name, tokenizerConfig) from the chat-template branch,
        // with the fingerprint = name + the Jinja source it rendered with (or the built-in's name and version).
        string eos = tokenizerConfig.EosToken ?? "</s>";
        switch (name)
        {
            case "tokenizer_default" or "tokenizer_default_fallback_chatml":
                if (tokenizerConfig.ChatTemplate is not null)
                    throw new SharpTuneException(
                        "chat_template: the tokenizer's own (Jinja) chat template needs the template engine, which this build lacks; set chat_template: chatml or alpaca");
                return new ResolvedChatTemplate(new StandInChatMlTemplate(), "chatml (the tokenizer has no template)", "stand-in:chatml:1");
            case "chatml":
                return new ResolvedChatTemplate(new StandInChatMlTemplate(), "chatml", "stand-in:chatml:1");
            case "alpaca":
                return new ResolvedChatTemplate(new StandInAlpacaTemplate(eos), "alpaca", $"stand-in:alpaca:1:{eos}");
            default:
                throw new SharpTuneException($"chat_template: '{name}' is not available in this build (known: tokenizer_default, chatml, alpaca)");
        }
    }
}
