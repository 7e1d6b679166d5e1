using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// Checks that the launcher, the engine and the links between the processes work before a long run: each collective
/// on values whose result every rank can predict, compared exactly, and the bandwidth of one large all-reduce.
/// </summary>
public static class CollectivesCheck
{
    /// <summary>Runs the checks on <paramref name="device"/>, logging each result; throws naming the first collective that gave a wrong answer.</summary>
    public static void Run(ProcessGroup group, Device device, Action<string> log, long bandwidthElements = 1 << 22)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(log);
        var c = group.For(device);
        int rank = c.Rank, world = c.WorldSize;
        using var scope = NewDisposeScope();

        // Rank r holds r+1 at every position: the sum is world(world+1)/2.
        var t = full(1000, rank + 1.0f, device: device);
        c.AllReduceSum(t);
        Expect(t, full(1000, world * (world + 1) / 2.0f, device: device), "all-reduce", rank);

        // Rank r's input block b holds 100·r + b: block `rank` of the sum is Σr (100·r + rank).
        var input = arange(world, dtype: ScalarType.Float32, device: device).repeat_interleave(16).add(100.0f * rank);
        var mine = zeros(16, device: device);
        c.ReduceScatterSum(input, mine);
        Expect(mine, full(16, 100.0f * world * (world - 1) / 2 + world * rank, device: device), "reduce-scatter", rank);

        var gathered = zeros(world * 8, ScalarType.Int64, device: device);
        c.AllGather(full(8, (long)rank * 7, ScalarType.Int64, device: device), gathered);
        Expect(gathered, arange(world, dtype: ScalarType.Int64, device: device).mul(7).repeat_interleave(8), "all-gather", rank);

        var sent = rank == world - 1 ? arange(33, dtype: ScalarType.Float64, device: device) : zeros(33, ScalarType.Float64, device: device);
        c.Broadcast(sent, world - 1);
        Expect(sent, arange(33, dtype: ScalarType.Float64, device: device), "broadcast", rank);

        c.Barrier();
        log($"rank {rank} of {world} ({c.Engine} on {device}): all-reduce, reduce-scatter, all-gather, broadcast and barrier give the expected values");

        var big = ones(bandwidthElements, device: device);
        c.AllReduceSum(big);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        const int Repeats = 5;
        for (int i = 0; i < Repeats; i++) c.AllReduceSum(big);
        double seconds = clock.Elapsed.TotalSeconds / Repeats;
        // Bus bandwidth as nccl-tests defines it for all-reduce: bytes × 2(n−1)/n per second.
        double busBandwidth = bandwidthElements * 4.0 * 2 * (world - 1) / world / seconds;
        if (group.IsMain) log($"all-reduce of {bandwidthElements * 4 / (1 << 20)} MiB: {seconds * 1000:F1} ms, bus bandwidth {busBandwidth / 1e9:F2} GB/s");
    }

    private static void Expect(Tensor actual, Tensor expected, string operation, int rank)
    {
        if (!actual.eq(expected).all().item<bool>())
            throw new SharpTuneException($"rank {rank}: {operation} gave wrong values: {actual.cpu().to(ScalarType.Float64).data<double>().Take(4).Select(v => v.ToString("G", System.Globalization.CultureInfo.InvariantCulture)).Aggregate((a, b) => a + ", " + b)}, …");
    }
}
