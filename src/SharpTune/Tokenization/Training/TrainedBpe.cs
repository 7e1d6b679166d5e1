namespace SharpTune.Tokenization.Training;

/// <summary>What <see cref="BpeTrainer.Train"/> learned: a byte-level BPE vocabulary and its merges, with statistics.</summary>
public sealed class TrainedBpe
{
    /// <summary>
    /// Token text by id: the special tokens as given (ids 0..<see cref="SpecialTokens"/>.Count-1), then the 256
    /// byte tokens in the byte-level alphabet's character order (GPT-2's order), then the merged tokens in the
    /// order they were learned.
    /// </summary>
    public required IReadOnlyList<string> Vocab { get; init; }

    /// <summary>The merges in the order learned, which is the order an encoder applies them (rank 0 first).</summary>
    public required IReadOnlyList<BpeMerge> Merges { get; init; }

    /// <summary>The special tokens, in id order.</summary>
    public required IReadOnlyList<string> SpecialTokens { get; init; }

    /// <summary>The vocabulary size that was asked for; <see cref="Vocab"/> is smaller when the corpus ran out of pairs.</summary>
    public required int RequestedVocabSize { get; init; }

    /// <summary>UTF-8 bytes of training text (special-token text left out).</summary>
    public required long TrainingBytes { get; init; }

    /// <summary>Pre-tokenized pieces (words) of training text, counted with repeats.</summary>
    public required long TrainingWords { get; init; }

    /// <summary>Distinct pieces of training text.</summary>
    public required int DistinctWords { get; init; }

    /// <summary>Tokens the training text becomes with the learned merges (special-token text left out).</summary>
    public required long TrainingTokens { get; init; }

    /// <summary>Why training ended before <see cref="RequestedVocabSize"/>, or null when it reached it.</summary>
    public string? StopReason { get; init; }
}
