using SharpTune.Training.Optimization;

namespace SharpTune.Distributed;

/// <summary>
/// Which rank owns (keeps the optimizer state of, and updates) each trainable parameter under ZeRO: whole parameters,
/// each given in order to the rank that owns the fewest elements so far, so the shards are about equal. Every rank
/// computes the same partition from the same parameter list.
/// </summary>
public sealed class ZeroPartition
{
    private readonly int[] owner;

    /// <summary>Partitions <paramref name="parameters"/> over <paramref name="worldSize"/> ranks.</summary>
    public ZeroPartition(IReadOnlyList<TrainableParameter> parameters, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var load = new long[worldSize];
        owner = new int[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            int least = 0;
            for (int r = 1; r < worldSize; r++) if (load[r] < load[least]) least = r;
            owner[i] = least;
            load[least] += parameters[i].Value.numel();
        }
        Parameters = parameters;
        WorldSize = worldSize;
        Sections = Enumerable.Range(0, worldSize)
            .Select(r => new FlatParameters(Enumerable.Range(0, parameters.Count).Where(i => owner[i] == r).Select(i => parameters[i].Value)))
            .ToArray();
    }

    /// <summary>All the parameters, in order.</summary>
    public IReadOnlyList<TrainableParameter> Parameters { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>The rank that owns parameter <paramref name="index"/>.</summary>
    public int OwnerOf(int index) => owner[index];

    /// <summary>The parameters <paramref name="rank"/> owns, in order.</summary>
    public IReadOnlyList<TrainableParameter> OwnedBy(int rank) => Parameters.Where((_, i) => owner[i] == rank).ToList();

    /// <summary>Each rank's owned parameters as one flat vector.</summary>
    internal IReadOnlyList<FlatParameters> Sections { get; }

    /// <summary>The longest section: the per-rank block length of a reduce-scatter or all-gather over all of them.</summary>
    public long LongestSection => Sections.Max(s => s.Length);
}
