using SharpTune.Distributed;
using SharpTune.Training;
using SharpTune.Training.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests.Distributed;

/// <summary>The pieces of multi-process training that need no second process.</summary>
public sealed class DistributedPartsTests
{
    [Theory]
    [InlineData(8, 2)]
    [InlineData(7, 2)]
    [InlineData(1, 2)]
    [InlineData(10, 4)]
    [InlineData(3, 4)]
    public void The_ranks_shares_of_a_step_cover_its_micro_batches_once_in_order(int take, int worldSize)
    {
        var covered = Enumerable.Range(0, worldSize)
            .Select(r => DataParallel.ShareOf(take, r, worldSize))
            .SelectMany(s => Enumerable.Range(s.First, s.Count))
            .ToList();
        Assert.Equal(Enumerable.Range(0, take), covered);
        var counts = Enumerable.Range(0, worldSize).Select(r => DataParallel.ShareOf(take, r, worldSize).Count).ToList();
        Assert.True(counts.Max() - counts.Min() <= 1);
    }

    [Fact]
    public void ZeRO_gives_each_parameter_one_owner_and_balances_the_shards()
    {
        long[] sizes = [4096, 64, 4096, 64, 1024, 1024, 64, 8192];
        var parameters = sizes.Select((n, i) => new TrainableParameter($"p{i}", new Parameter(zeros(n)), false)).ToList();
        var partition = new ZeroPartition(parameters, 2);
        var owned = Enumerable.Range(0, 2).Select(partition.OwnedBy).ToList();
        Assert.Equal(parameters.Count, owned.Sum(o => o.Count));
        Assert.Empty(owned[0].Intersect(owned[1]));
        long[] loads = owned.Select(o => o.Sum(p => p.Value.numel())).ToArray();
        Assert.True(Math.Abs(loads[0] - loads[1]) <= sizes.Max(), $"shards of {loads[0]} and {loads[1]} elements");
        Assert.Equal(loads.Max(), partition.LongestSection);
    }

    [Fact]
    public void A_flat_range_over_several_parameters_reads_and_writes_across_their_boundaries()
    {
        var a = new Parameter(arange(6, dtype: ScalarType.Float32).reshape(2, 3));
        var b = new Parameter(arange(6, 10, dtype: ScalarType.Float32));
        var flat = new FlatParameters([a, b]);
        Assert.Equal(10, flat.Length);
        var bucket = empty(4);
        flat.Read(4, bucket, FlatParameters.Part.Value);
        Assert.Equal([4f, 5f, 6f, 7f], bucket.data<float>().ToArray());
        flat.Read(8, bucket, FlatParameters.Part.Value);
        Assert.Equal([8f, 9f, 0f, 0f], bucket.data<float>().ToArray());
        flat.Write(4, tensor(new[] { -1f, -2f, -3f, -4f }), FlatParameters.Part.Value);
        Assert.Equal([0f, 1f, 2f, 3f, -1f, -2f], a.data<float>().ToArray());
        Assert.Equal([-3f, -4f, 8f, 9f], b.data<float>().ToArray());
        // A parameter without a gradient reads as zeros, and writing its gradient creates it.
        flat.Read(0, bucket, FlatParameters.Part.Gradient);
        Assert.Equal([0f, 0f, 0f, 0f], bucket.data<float>().ToArray());
        flat.Write(5, tensor(new[] { 1f, 2f }), FlatParameters.Part.Gradient);
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 1f], a.grad!.data<float>().ToArray());
        Assert.Equal([2f, 0f, 0f, 0f], b.grad!.data<float>().ToArray());
    }

    [Fact]
    public void The_launcher_passes_the_process_count_the_hostfile_and_the_environment_flag_to_mpirun()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("hosts"), "node1 slots=2\n");
        var args = MpiLauncher.Arguments(4, dir.File("hosts"), ["dotnet", "cli.dll", "train", "run.yaml"]);
        Assert.Equal(["-np", "4"], args.Take(2));
        Assert.Contains("--hostfile", args);
        Assert.Contains($"{ProcessGroup.EnvironmentVariable}=mpi", args);
        Assert.Equal(["dotnet", "cli.dll", "train", "run.yaml"], args.TakeLast(4));
        Assert.Contains("hostfile not found", Assert.Throws<SharpTuneException>(() => MpiLauncher.Arguments(2, dir.File("missing"), ["x"])).Message);
    }

    [Theory]
    [InlineData("3", "stage 3 (parameters sharded and gathered per layer) is not implemented")]
    [InlineData("5", "expected 0, 1 or 2, got 5")]
    public void Zero_stage_other_than_0_1_2_is_refused_naming_the_key(string value, string message)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("t.txt"), "some text");
        File.WriteAllText(dir.File("run.yaml"), $"base_model: preset:tiny\ndatasets: [{{path: t.txt, type: text}}]\noutput_dir: out\nzero_stage: {value}\n");
        var e = Assert.Throws<SharpTuneException>(() => TrainConfig.Load(dir.File("run.yaml")));
        Assert.Contains("zero_stage", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_single_process_run_never_loads_MPI()
    {
        // Nothing in a one-process test run starts a process group; the test host must not have mapped libmpi.
        Assert.Null(ProcessGroup.FromEnvironment());
        Assert.DoesNotContain("libmpi", File.ReadAllText("/proc/self/maps"));
    }
}
