using System.CommandLine;
using SharpTune.Cli.Commands;

var root = new RootCommand("SharpTune: train and fine-tune large language models from .NET.")
{
    TrainCommand.Create(),
    InitModelCommand.Create(),
    GenerateCommand.Create(),
    MergeCommand.Create(),
    InfoCommand.Create(),
    // Temporary parent until the tokenizer encode/decode branch lands with its own `tokenizer` command; the lead merges the two.
    new Command("tokenizer", "Train, encode and decode tokenizers.") { TokenizerTrainCommand.Create() },
    DataCommand.Create(),
    TemplateCommand.Create(),
};
return root.Parse(args).Invoke();
