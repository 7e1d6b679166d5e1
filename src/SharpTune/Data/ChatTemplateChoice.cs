using System.Security.Cryptography;
using System.Text;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Data;

/// <summary>Resolves a config's <c>chat_template:</c> to a template, with a fingerprint for the tokenized-data cache.</summary>
public static class ChatTemplateChoice
{
    /// <summary>
    /// The template <paramref name="name"/> names: <c>tokenizer_default</c> is the tokenizer's own Jinja template
    /// (<paramref name="tokenizerConfig"/>), or the built-in chatml when it has none
    /// (<c>tokenizer_default_fallback_chatml</c> says the same explicitly); otherwise one of the tokenizer's named
    /// templates or a built-in (chatml, llama3, alpaca, vicuna).
    /// </summary>
    /// <exception cref="SharpTuneException">The name is unknown.</exception>
    public static ResolvedChatTemplate Resolve(string name, TokenizerConfig tokenizerConfig)
    {
        ChatTemplate template;
        string label;
        if (name is "tokenizer_default" or "tokenizer_default_fallback_chatml" && tokenizerConfig.ChatTemplate is null)
        {
            template = ChatTemplate.Builtin("chatml", tokenizerConfig);
            label = "chatml (the tokenizer has no template of its own)";
        }
        else
        {
            template = ChatTemplate.Resolve(name == "tokenizer_default_fallback_chatml" ? null : name, tokenizerConfig);
            label = template.Name;
        }
        // The cache must notice a changed template or changed special tokens it reads.
        string fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{template.Source}\n{tokenizerConfig.BosToken}\n{tokenizerConfig.EosToken}\n{tokenizerConfig.PadToken}\n{tokenizerConfig.UnkToken}")));
        // A fixed date for templates that print today's date (strftime_now), so the same data always tokenizes the same.
        return new ResolvedChatTemplate(template.WithClock(() => new DateTime(2026, 1, 1)), label, "jinja:" + fingerprint);
    }
}
