using System.CommandLine;
using SharpTune.Backend;
using SharpTune.Cli.Commands;

HostAllocator.KeepFreedMemory();

var root = new RootCommand("SharpTune: train and fine-tune large language models from .NET.")
{
    TrainCommand.Create(),
    PlanCommand.Create(),
    InitModelCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    ChatCommand.Create(),
    MergeCommand.Create(),
    QuantizeCommand.Create(),
    InfoCommand.Create(),
    BenchCommand.Create(),
    TokenizerCommand.Create(),
    DataCommand.Create(),
    TemplateCommand.Create(),
    DistillCommand.Create(),
    DistributedCommand.Create(),
};
return root.Parse(args).Invoke();
