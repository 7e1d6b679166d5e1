using System.CommandLine;
using SharpTune.Cli.Commands;

var root = new RootCommand("SharpTune: train and fine-tune large language models from .NET.")
{
    TrainCommand.Create(),
    InitModelCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    ChatCommand.Create(),
    MergeCommand.Create(),
    QuantizeCommand.Create(),
    InfoCommand.Create(),
    TokenizerCommand.Create(),
    DataCommand.Create(),
    TemplateCommand.Create(),
};
return root.Parse(args).Invoke();
