namespace SharpTune.Tests.Distributed;

/// <summary>
/// Tests that start several processes through mpirun: they run alone (each process takes a core), never beside other
/// tests, so that their timing (a killed rank must stop the others within seconds) holds on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DistributedRuns
{
    public const string Name = "multi-process runs";
}
