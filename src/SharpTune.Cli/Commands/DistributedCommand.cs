using System.CommandLine;
using SharpTune.Backend;
using SharpTune.Distributed;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune distributed check --nproc N [--hostfile FILE] [--device cpu|cuda]</c>: checks the collectives between N processes.</summary>
internal static class DistributedCommand
{
    public static Command Create()
    {
        var launch = new DistributedLaunch();
        var device = CommonOptions.Device();
        var check = new Command("check", "Run every collective (all-reduce, reduce-scatter, all-gather, broadcast, barrier) between the processes, compare the results with what they must be, and measure all-reduce bandwidth.") { device };
        launch.AddTo(check);
        check.SetAction(result => CommandRunner.Run(() =>
        {
            if (launch.LaunchIfAsked(result) is not null) return;
            var group = ProcessGroup.FromEnvironment()
                ?? throw new SharpTuneException("distributed check needs several processes: give --nproc N (N ≥ 2) or --hostfile");
            var target = group.DeviceFor(ComputeDevice.Resolve(result.GetValue(device), "--device"));
            CollectivesCheck.Run(group, target, Console.WriteLine);
            group.Close();
        }));
        return new Command("distributed", "Multi-process (MPI/NCCL) tools.") { check };
    }
}
