using System.CommandLine;
using SharpTune.Distributed;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune train CONFIG [--set key=value]... [--resume] [--nproc N] [--hostfile FILE]</c>: runs the training a YAML
/// config describes, in one process or data-parallel in N (through mpirun; rank 0 alone prints and writes).
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "a YAML run config, e.g. examples/quickstart.yaml" };
        var set = CommonOptions.ConfigOverrides();
        var resume = new Option<bool>("--resume") { Description = "continue from the newest complete checkpoint in output_dir" };
        var launch = new DistributedLaunch();
        var command = new Command("train", "Pretrain or fine-tune (full, freeze or LoRA) as a YAML config describes.") { config, set, resume };
        launch.AddTo(command);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            if (launch.LaunchIfAsked(result, ". Complete checkpoints stay in output_dir/checkpoints: continue with --resume, with this or another --nproc") is not null) return;
            var group = ProcessGroup.FromEnvironment();
            if (group is { IsMain: false })
            {
                // The other ranks train in silence: rank 0 prints the log and the progress.
                TrainingRuns.Train(result.GetValue(config)!, result.GetValue(set) ?? [], result.GetValue(resume), _ => { }, null, group);
            }
            else
            {
                TrainingProgressBar.Run((log, progress) =>
                    TrainingRuns.Train(result.GetValue(config)!, result.GetValue(set) ?? [], result.GetValue(resume), log, progress, group));
            }
            // Reached only when the run succeeded (after an error the rank just exits, and mpirun stops the others).
            group?.Close();
        }));
        return command;
    }
}
