using System.CommandLine;
using SharpTune.Training;
using Spectre.Console;
using TorchSharp;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune plan CONFIG [--set key=value]... [--device cpu|cuda] [--json]</c>: the peak memory a training config will need, without training.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "a YAML run config, e.g. examples/lora.yaml" };
        var set = CommonOptions.ConfigOverrides();
        var device = new Option<string?>("--device") { Description = "predict for cpu or cuda (default: the config's device as resolved here); needs no GPU" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("plan", "Predict a training config's peak memory (weights, quantization constants, adapter, gradients, optimizer state, activations).") { config, set, device, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var train = TrainConfig.Load(result.GetValue(config)!, result.GetValue(set) ?? []);
            DeviceType? target = result.GetValue(device)?.Trim().ToLowerInvariant() switch
            {
                null => null,
                "cpu" => DeviceType.CPU,
                "cuda" => DeviceType.CUDA,
                var other when other.StartsWith("cuda:", StringComparison.Ordinal) => DeviceType.CUDA,
                var other => throw new SharpTuneException($"--device: expected cpu or cuda, got '{other}'"),
            };
            var plan = MemoryPlan.For(train, target);
            if (result.GetValue(json)) Console.WriteLine(plan.ToJson().ToJsonString());
            else if (TrainingProgressBar.IsInteractive()) WriteTable(plan);
            else WritePlain(plan);
        }));
        return command;
    }

    private static string Header(MemoryPlan plan) =>
        $"{plan.Model.ModelType}: {plan.Model.NumHiddenLayers} layers, hidden {plan.Model.HiddenSize}, vocabulary {plan.Model.VocabSize}; "
        + $"on {plan.Device.ToString().ToLowerInvariant()}, weights in {Models.DtypeNames.ToHf(plan.WeightDtype)}, {plan.Tokens:N0} tokens per micro-batch";

    private static void WritePlain(MemoryPlan plan)
    {
        Console.WriteLine(Header(plan));
        Console.WriteLine($"{"",-48} {"device",12} {"host",12}  how");
        foreach (var r in plan.Rows) Console.WriteLine($"{r.Name,-48} {ByteCount.Format(r.DeviceBytes),12} {ByteCount.Format(r.HostBytes),12}  {r.Detail}");
        Console.WriteLine($"{"total (peak)",-48} {ByteCount.Format(plan.DeviceTotal),12} {ByteCount.Format(plan.HostTotal),12}");
        var o = plan.OtherActivations;
        Console.WriteLine($"{"(instead: " + o.Name + ")",-48} {ByteCount.Format(o.DeviceBytes),12} {"",12}  not in the total");
    }

    private static void WriteTable(MemoryPlan plan)
    {
        AnsiConsole.MarkupLine(Markup.Escape(Header(plan)));
        var table = new Table().AddColumn("").AddColumn(new TableColumn("device").RightAligned()).AddColumn(new TableColumn("host").RightAligned()).AddColumn("how");
        foreach (var r in plan.Rows)
            table.AddRow(Markup.Escape(r.Name), ByteCount.Format(r.DeviceBytes), ByteCount.Format(r.HostBytes), Markup.Escape(r.Detail));
        table.AddRow("[bold]total (peak)[/]", $"[bold]{ByteCount.Format(plan.DeviceTotal)}[/]", $"[bold]{ByteCount.Format(plan.HostTotal)}[/]", "");
        var o = plan.OtherActivations;
        table.AddRow(Markup.Escape($"(instead: {o.Name})"), ByteCount.Format(o.DeviceBytes), "", "not in the total");
        AnsiConsole.Write(table);
    }
}
