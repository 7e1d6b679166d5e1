using System.CommandLine;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune train CONFIG</c>: runs the training described by a YAML config.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "a YAML run config, e.g. examples/quickstart.yaml" };
        var command = new Command("train", "Train a model as a YAML config describes (causal-LM pretraining for now).") { config };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var settings = PretrainConfig.Load(result.GetValue(config)!);
            new PretrainRecipe(settings, Console.WriteLine).Run();
        }));
        return command;
    }
}
