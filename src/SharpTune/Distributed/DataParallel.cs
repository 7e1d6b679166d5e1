using SharpTune.Training;
using SharpTune.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// Data-parallel training over a <see cref="ProcessGroup"/> (PyTorch's DDP, with DeepSpeed's ZeRO stages 1 and 2):
/// every rank starts from rank 0's weights, takes its own share of each step's micro-batches, and before the update
/// the gradients are summed over the ranks in fixed-size float32 buckets. The losses are normalised by the label count
/// of the whole global batch, so N processes with accumulation A compute what one process with accumulation N·A does.
/// Stage 0 all-reduces the gradients and every rank steps the whole model; stage 1 all-reduces them but each rank
/// keeps the optimizer state of, and updates, only its own parameters, then all-gathers the new values; stage 2
/// reduce-scatters them so each rank receives only its own parameters' summed gradients and drops the rest.
/// The reduction runs after the backward passes, not overlapped with them (TorchSharp 0.107 has no gradient hooks).
/// </summary>
public sealed class DataParallel
{
    /// <summary>The bucket size: 25 MiB of float32 values per rank, as PyTorch DDP's default <c>bucket_cap_mb</c>.</summary>
    public const long BucketElements = 25L * 1024 * 1024 / 4;

    private readonly ICollectives collectives;
    private FlatParameters? all;
    private ZeroPartition? partition;

    /// <summary>
    /// Data parallelism over <paramref name="group"/> for a model on <paramref name="device"/>, at ZeRO <paramref name="zeroStage"/> (0, 1 or 2).
    /// On the CPU, the ranks on one machine divide its cores between them (libtorch's thread count).
    /// </summary>
    public DataParallel(ProcessGroup group, Device device, int zeroStage)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (zeroStage is < 0 or > 2) throw new SharpTuneException($"zero_stage: {zeroStage} is not supported (0, 1 or 2)");
        Group = group;
        Device = device;
        ZeroStage = zeroStage;
        collectives = group.For(device);
        // Ranks that share a machine's cores on the CPU share them out, rather than each starting a thread per core.
        if (device.type == TorchSharp.DeviceType.CPU && group.LocalSize > 1)
            set_num_threads(Math.Max(1, Environment.ProcessorCount / group.LocalSize));
    }

    /// <summary>The processes.</summary>
    public ProcessGroup Group { get; }

    /// <summary>Where this rank's model lives.</summary>
    public Device Device { get; }

    /// <summary>The ZeRO stage: 0 (plain data parallelism), 1 (sharded optimizer state) or 2 (and sharded gradients).</summary>
    public int ZeroStage { get; }

    /// <summary>This rank's share of a step's <paramref name="take"/> micro-batches (see <see cref="ShareOf"/>).</summary>
    public (int First, int Count) Share(int take) => ShareOf(take, Group.Rank, Group.WorldSize);

    /// <summary>
    /// Rank <paramref name="rank"/>'s share of <paramref name="take"/> micro-batches among <paramref name="worldSize"/>
    /// ranks: a contiguous run, the first <c>take mod worldSize</c> ranks one more (a rank may get none at the end of an epoch).
    /// </summary>
    public static (int First, int Count) ShareOf(int take, int rank, int worldSize)
    {
        int each = take / worldSize, extra = take % worldSize;
        return (rank * each + Math.Min(rank, extra), each + (rank < extra ? 1 : 0));
    }

    /// <summary>Copies rank 0's values of <paramref name="parameters"/> to every rank, so all start from the same weights.</summary>
    public void BroadcastParameters(IReadOnlyList<TrainableParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var flat = new FlatParameters(parameters.Select(p => p.Value));
        using var scope = NewDisposeScope();
        var bucket = empty(Math.Min(BucketElements, Math.Max(1, flat.Length)), ScalarType.Float32, Device);
        for (long start = 0; start < flat.Length; start += bucket.numel())
        {
            flat.Read(start, bucket, FlatParameters.Part.Value);
            collectives.Broadcast(bucket, 0);
            flat.Write(start, bucket, FlatParameters.Part.Value);
        }
    }

    /// <summary>The optimizer: <paramref name="create"/>'s over all of <paramref name="parameters"/> at stage 0, else a <see cref="ZeroOptimizer"/> over this rank's share.</summary>
    public IOptimizer CreateOptimizer(IReadOnlyList<TrainableParameter> parameters, Func<IReadOnlyList<TrainableParameter>, IOptimizer> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        all = new FlatParameters(parameters.Select(p => p.Value));
        if (ZeroStage == 0) return create(parameters);
        partition = new ZeroPartition(parameters, Group.WorldSize);
        return new ZeroOptimizer(partition, Group, Device, create, BucketElements);
    }

    /// <summary>
    /// The end of a data-parallel step: sums the gradients over the ranks (all-reduce, or reduce-scatter at stage 2),
    /// clips them to <paramref name="maxGradNorm"/> by their global norm, steps and clears them; returns the norm before clipping.
    /// </summary>
    public double Step(IOptimizer optimizer, double maxGradNorm, double lr)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (all is null) throw new InvalidOperationException("create the optimizer with CreateOptimizer first");
        if (ZeroStage < 2)
        {
            AllReduceGradients(all);
            return TrainingStep.Apply(optimizer, maxGradNorm, lr);
        }
        ReduceScatterGradients(partition!);
        double norm = ClipByGlobalNorm(partition!, maxGradNorm);
        optimizer.Step(lr);
        optimizer.ZeroGrad();
        return norm;
    }

    private void AllReduceGradients(FlatParameters flat)
    {
        using var scope = NewDisposeScope();
        var bucket = empty(Math.Min(BucketElements, Math.Max(1, flat.Length)), ScalarType.Float32, Device);
        for (long start = 0; start < flat.Length; start += bucket.numel())
        {
            flat.Read(start, bucket, FlatParameters.Part.Gradient);
            collectives.AllReduceSum(bucket);
            flat.Write(start, bucket, FlatParameters.Part.Gradient);
        }
    }

    /// <summary>Each rank receives the summed gradients of its own parameters; the gradients of the others are dropped (freed until the next backward pass).</summary>
    private void ReduceScatterGradients(ZeroPartition zero)
    {
        int world = Group.WorldSize, rank = Group.Rank;
        using (var scope = NewDisposeScope())
        {
            long block = Math.Min(BucketElements, Math.Max(1, zero.LongestSection));
            var input = empty(block * world, ScalarType.Float32, Device);
            var mine = empty(block, ScalarType.Float32, Device);
            for (long start = 0; start < zero.LongestSection; start += block)
            {
                for (int r = 0; r < world; r++) zero.Sections[r].Read(start, input.narrow(0, r * block, block), FlatParameters.Part.Gradient);
                collectives.ReduceScatterSum(input, mine);
                zero.Sections[rank].Write(start, mine, FlatParameters.Part.Gradient);
            }
        }
        for (int i = 0; i < zero.Parameters.Count; i++)
            if (zero.OwnerOf(i) != rank && zero.Parameters[i].Value.grad is { } g)
            {
                zero.Parameters[i].Value.grad = null;
                g.Dispose();
            }
    }

    /// <summary>
    /// libtorch's clip_grad_norm_ over gradients spread across the ranks, computed as it computes it: the float32 norm of
    /// each parameter's gradient (each rank fills in its own; summing adds only zeros to them, so they arrive exact), the
    /// norm of those norms, and the factor max_norm / (norm + 1e-6) clamped at 1 — so the result is the single-process one.
    /// </summary>
    private double ClipByGlobalNorm(ZeroPartition zero, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var norms = zeros(zero.Parameters.Count, ScalarType.Float32, Device);
        for (int i = 0; i < zero.Parameters.Count; i++)
            if (zero.OwnerOf(i) == Group.Rank && zero.Parameters[i].Value.grad is { } g) norms[i] = g.to(ScalarType.Float32).norm();
        collectives.AllReduceSum(norms);
        var total = norms.norm();
        if (maxNorm > 0)
        {
            using Scalar epsilon = 1e-6.ToScalar(), max = maxNorm.ToScalar(), one = 1.0.ToScalar();
            var factor = total.add(epsilon).reciprocal().mul(max).clamp_max(one);
            for (int i = 0; i < zero.Parameters.Count; i++)
                if (zero.OwnerOf(i) == Group.Rank) zero.Parameters[i].Value.grad?.mul_(factor);
        }
        return total.item<float>();
    }
}
