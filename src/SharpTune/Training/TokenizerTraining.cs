using SharpTune.Config;
using SharpTune.Data;
using SharpTune.Tokenization.Training;

namespace SharpTune.Training;

/// <summary>
/// <c>train_tokenizer:</c> — when pretraining a fresh model (<c>base_model: preset:NAME</c>), first learn a byte-level
/// BPE tokenizer from the run's own text datasets and give the model its vocabulary. The tokenizer files are written
/// to output_dir, so the trained model folder carries them.
/// </summary>
public sealed record TokenizerTraining
{
    /// <summary><c>type</c>: <c>bpe</c> (byte-level BPE, the default) or <c>wordpiece</c> (BERT's, for masked-LM encoders).</summary>
    public string Type { get; init; } = "bpe";

    /// <summary><c>vocab_size</c>: the vocabulary to reach, counting special and byte tokens.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>min_frequency</c>: merge only pairs seen this often (default 2).</summary>
    public long MinFrequency { get; init; } = 2;

    /// <summary><c>bos_token</c>, <c>eos_token</c>, <c>pad_token</c> (defaults &lt;s&gt;, &lt;/s&gt;, &lt;pad&gt;).</summary>
    public string BosToken { get; init; } = "<s>";

    /// <summary>The end-of-sequence token.</summary>
    public string EosToken { get; init; } = "</s>";

    /// <summary>The padding token.</summary>
    public string PadToken { get; init; } = "<pad>";

    /// <summary><c>special_tokens</c>: more special tokens (default chatml's &lt;|im_start|&gt; and &lt;|im_end|&gt;, so the model can be chat-tuned later).</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = ["<|im_start|>", "<|im_end|>"];

    /// <summary>Reads the <c>train_tokenizer:</c> section.</summary>
    public static TokenizerTraining Read(YamlSection s)
    {
        long vocab = s.OptionalLong("vocab_size") ?? throw s.Error("vocab_size", "required key 'vocab_size' is missing (e.g. 1024)");
        string type = s.String("type") ?? "bpe";
        if (type is not ("bpe" or "wordpiece")) throw s.Error("type", $"expected bpe or wordpiece, got '{type}'");
        var settings = new TokenizerTraining
        {
            Type = type,
            VocabSize = vocab is >= 260 and <= 1 << 20 ? (int)vocab : throw s.Error("vocab_size", $"must be between 260 and {1 << 20}, got {vocab}"),
            MinFrequency = s.Long("min_frequency", 2) is >= 1 and var f ? f : throw s.Error("min_frequency", "must be at least 1"),
            BosToken = s.String("bos_token") ?? "<s>",
            EosToken = s.String("eos_token") ?? "</s>",
            PadToken = s.String("pad_token") ?? "<pad>",
            SpecialTokens = s.Has("special_tokens") ? s.StringList("special_tokens") : ["<|im_start|>", "<|im_end|>"],
        };
        s.RejectUnknownKeys();
        return settings;
    }

    /// <summary>
    /// With <c>type: wordpiece</c>: learns a BERT WordPiece vocabulary from the files of <paramref name="datasets"/> and
    /// writes tokenizer.json and tokenizer_config.json to <paramref name="folder"/>; returns the vocabulary.
    /// </summary>
    public IReadOnlyList<string> TrainWordPiece(IEnumerable<DatasetSpec> datasets, string folder)
    {
        var trainer = new WordPieceTrainer(VocabSize, MinFrequency, WordPieceTokenizerFiles.SpecialTokens);
        foreach (var (file, plainText) in Files(datasets))
            foreach (var text in TrainingTextReader.ReadDocuments(file, WordPieceTokenizerFiles.SpecialTokens, plainText))
                trainer.AddText(text);
        if (trainer.WordCount == 0) throw new SharpTuneException("train_tokenizer: the datasets hold no text to learn from");
        var vocab = trainer.Train();
        WordPieceTokenizerFiles.Write(folder, vocab);
        return vocab;
    }

    /// <summary>Each dataset file, and whether its dataset says <c>ds_type: text</c>.</summary>
    private static IEnumerable<(string File, bool PlainText)> Files(IEnumerable<DatasetSpec> datasets) => datasets.SelectMany(spec =>
        spec.Generate is null ? RecordSources.Files(spec).Select(f => (f, spec.Source == SourceKind.Text)) : throw new SharpTuneException($"{spec.ConfigPosition}: train_tokenizer learns from files; a generated dataset has none"));

    /// <summary>Learns the tokenizer from the files of <paramref name="datasets"/> and writes tokenizer.json and tokenizer_config.json to <paramref name="folder"/>.</summary>
    public TrainedBpe Train(IEnumerable<DatasetSpec> datasets, string folder)
    {
        var specials = new List<string> { BosToken, EosToken, PadToken };
        specials.AddRange(SpecialTokens.Where(t => !specials.Contains(t)));
        var trainer = new BpeTrainer(new BpeTrainerOptions { VocabSize = VocabSize, MinFrequency = MinFrequency, SpecialTokens = specials });
        foreach (var (file, plainText) in Files(datasets))
            foreach (var text in TrainingTextReader.ReadDocuments(file, specials, plainText))
                trainer.AddText(text);
        if (trainer.PieceCount == 0) throw new SharpTuneException("train_tokenizer: the datasets hold no text to learn from");
        var model = trainer.Train();
        BpeTokenizerFiles.Write(folder, model, new BpeTokenizerFileOptions { BosToken = BosToken, EosToken = EosToken, PadToken = PadToken });
        return model;
    }
}
