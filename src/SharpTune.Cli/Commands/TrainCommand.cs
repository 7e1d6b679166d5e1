using System.CommandLine;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune train CONFIG [--set key=value]... [--resume]</c>: runs the training a YAML config describes.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "a YAML run config, e.g. examples/quickstart.yaml" };
        var set = CommonOptions.ConfigOverrides();
        var resume = new Option<bool>("--resume") { Description = "continue from the newest complete checkpoint in output_dir" };
        var command = new Command("train", "Pretrain or fine-tune (full, freeze or LoRA) as a YAML config describes.") { config, set, resume };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            TrainingProgressBar.Run((log, progress) =>
                TrainingRuns.Train(result.GetValue(config)!, result.GetValue(set) ?? [], result.GetValue(resume), log, progress));
        }));
        return command;
    }
}
