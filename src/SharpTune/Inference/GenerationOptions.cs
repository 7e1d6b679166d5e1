namespace SharpTune.Inference;

/// <summary>How <see cref="TextGenerator"/> picks each next token.</summary>
public sealed record GenerationOptions
{
    /// <summary>Stop after this many new tokens.</summary>
    public int MaxNewTokens { get; init; } = 64;
    /// <summary>0 for greedy (deterministic); higher flattens the distribution.</summary>
    public double Temperature { get; init; }
    /// <summary>Sample only among the k most likely tokens; 0 for no limit.</summary>
    public int TopK { get; init; }
    /// <summary>Sample only among the most likely tokens whose probabilities sum to p; 1 for no limit.</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Seed of the sampling generator.</summary>
    public long Seed { get; init; }
    /// <summary>Ids that end generation (the eos token is emitted, then generation stops).</summary>
    public IReadOnlyCollection<long> StopIds { get; init; } = [];

    /// <summary>Checks ranges; <paramref name="source"/> prefixes the error.</summary>
    public void Validate(string source = "generate")
    {
        if (MaxNewTokens < 0) throw new SharpTuneException($"{source}: max-new-tokens must be ≥ 0, got {MaxNewTokens}");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new SharpTuneException($"{source}: temperature must be ≥ 0, got {Temperature}");
        if (TopK < 0) throw new SharpTuneException($"{source}: top-k must be ≥ 0, got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new SharpTuneException($"{source}: top-p must be in (0, 1], got {TopP}");
    }
}
