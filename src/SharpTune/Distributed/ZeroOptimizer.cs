using System.Text.Json;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// ZeRO optimizer-state sharding (Rajbhandari et al., 2020; DeepSpeed's <c>zero_stage</c> 1 and 2): each rank's inner
/// optimizer keeps state for, and updates, only the parameters it owns (<see cref="ZeroPartition"/>); after the step
/// the new values are all-gathered so every rank holds the whole model again. Its state dict is consolidated: rank 0
/// gets every parameter's state under the single-process names, so a checkpoint resumes with any number of processes.
/// </summary>
public sealed class ZeroOptimizer : IOptimizer
{
    private readonly IOptimizer inner;
    private readonly ICollectives collectives;
    private readonly ProcessGroup group;
    private readonly Device device;
    private readonly long bucketElements;

    /// <summary>Wraps <paramref name="create"/>'s optimizer over this rank's share of <paramref name="partition"/>.</summary>
    public ZeroOptimizer(ZeroPartition partition, ProcessGroup group, Device device, Func<IReadOnlyList<TrainableParameter>, IOptimizer> create, long bucketElements)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(create);
        Partition = partition;
        this.group = group;
        this.device = device;
        this.bucketElements = bucketElements;
        collectives = group.For(device);
        inner = create(partition.OwnedBy(group.Rank));
    }

    /// <summary>Who owns what.</summary>
    public ZeroPartition Partition { get; }

    /// <summary>Every parameter (the gradients of all of them are cleared; only the owned ones are updated here).</summary>
    public IReadOnlyList<TrainableParameter> Parameters => Partition.Parameters;

    /// <summary>Updates the owned parameters, then all-gathers every rank's new values.</summary>
    public void Step(double learningRate)
    {
        inner.Step(learningRate);
        GatherParameters();
    }

    /// <summary>Every rank's owned values to every rank, through buckets of one block per rank.</summary>
    private void GatherParameters()
    {
        using var scope = NewDisposeScope();
        long block = Math.Min(bucketElements, Math.Max(1, Partition.LongestSection));
        var mine = empty(block, ScalarType.Float32, device);
        var all = empty(block * Partition.WorldSize, ScalarType.Float32, device);
        var own = Partition.Sections[group.Rank];
        for (long start = 0; start < Partition.LongestSection; start += block)
        {
            own.Read(start, mine, FlatParameters.Part.Value);
            collectives.AllGather(mine, all);
            for (int r = 0; r < Partition.WorldSize; r++)
                if (r != group.Rank) Partition.Sections[r].Write(start, all.narrow(0, r * block, block), FlatParameters.Part.Value);
        }
    }

    /// <inheritdoc/>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Value.grad?.zero_();
    }

    /// <summary>
    /// The consolidated state — a collective call, every rank must make it: each rank's inner state goes to rank 0
    /// (names, dtypes and shapes first, then the tensors), which returns all of it; the other ranks return an empty dictionary.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var consolidated = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var local = inner.StateDict();
        for (int r = 0; r < group.WorldSize; r++)
        {
            var header = group.BroadcastBytes(r == group.Rank
                ? JsonSerializer.SerializeToUtf8Bytes(local.Select(kv => new TensorHeader(kv.Key, (int)kv.Value.dtype, kv.Value.shape)).ToArray())
                : [], r);
            foreach (var h in JsonSerializer.Deserialize<TensorHeader[]>(header) ?? [])
            {
                var buffer = r == group.Rank ? local[h.Name].detach().cpu().contiguous() : empty(h.Shape, (ScalarType)h.Dtype);
                bool wire = buffer.dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64 or ScalarType.Byte;
                var sent = wire ? buffer : buffer.to(ScalarType.Float64);
                group.Host.Broadcast(sent, r);
                if (group.IsMain && !consolidated.ContainsKey(h.Name)) consolidated[h.Name] = wire ? sent : sent.to(buffer.dtype);
            }
        }
        return group.IsMain ? consolidated : new Dictionary<string, Tensor>();
    }

    /// <summary>Loads this rank's share of a (consolidated or single-process) state.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source) => inner.LoadStateDict(state, source);

    private sealed record TensorHeader(string Name, int Dtype, long[] Shape);
}
