namespace SharpTune.Tests.Training;

/// <summary>
/// Tests that compare whole training runs bit for bit. libtorch's default CPU generator is one per process, and LoRA
/// dropout draws from it, so these run alone, never beside another test that draws random numbers.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SeededRuns
{
    public const string Name = "seeded training runs";
}
