using System.Security.Cryptography;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Training;

/// <summary>
/// Connects a run config's data settings to the model side: finds the tokenizer (<c>tokenizer:</c>, else
/// <c>base_model</c>: a model folder, or <c>preset:NAME</c>) and the chat template the data pipeline needs.
/// </summary>
public static class TrainingData
{
    /// <summary>The files of a tokenizer folder whose contents change what it produces (hashed into the cache key).</summary>
    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "tokenizer.model", "vocab.json", "merges.txt", "chat_template.jinja", "chat_template.json"];

    /// <summary>The tokenizer, its fingerprint and the chat template for <paramref name="config"/>.</summary>
    /// <exception cref="SharpTuneException">Neither <c>tokenizer</c> nor <c>base_model</c> is set, or they do not name a usable tokenizer.</exception>
    public static TokenizerContext LoadTokenizer(DataConfig config)
    {
        string source = config.Tokenizer ?? config.BaseModel
            ?? throw new SharpTuneException($"{config.ConfigFile}: set base_model (a model folder or preset:NAME) or tokenizer (a folder) so the data can be tokenized");
        string key = config.Tokenizer is null ? "base_model" : "tokenizer";
        const string prefix = "preset:";
        if (source.StartsWith(prefix, StringComparison.Ordinal))
        {
            string preset = source[prefix.Length..];
            long vocab = ModelPresets.Config(preset, null)["vocab_size"]!.GetValue<long>();
            if (vocab != ByteTokenizer.Size)
                throw new SharpTuneException($"{config.ConfigFile}: {key}: preset '{preset}' has no tokenizer of its own; set tokenizer: to a folder with tokenizer.json");
            var none = new TokenizerConfig();
            return new TokenizerContext(new ByteTokenizer(), "byte-tokenizer", ChatTemplateChoice.Resolve(config.ChatTemplate, none));
        }
        if (!Directory.Exists(source)) throw new SharpTuneException($"{config.ConfigFile}: {key}: folder not found: {source}");
        long vocabSize = File.Exists(Path.Combine(source, "config.json")) ? HfModelFolder.DeclaredVocabSize(source) : long.MaxValue;
        var tokenizer = TokenizerLoader.ForModel(source, vocabSize);
        var tokenizerConfig = TokenizerConfig.Load(source);
        return new TokenizerContext(tokenizer, Fingerprint(tokenizer, source), ChatTemplateChoice.Resolve(config.ChatTemplate, tokenizerConfig));
    }

    private static string Fingerprint(ITokenizer tokenizer, string folder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(tokenizer.GetType().FullName ?? ""));
        foreach (var name in TokenizerFiles)
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            hash.AppendData(File.ReadAllBytes(path));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
