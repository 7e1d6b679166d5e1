using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Models;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune info</c>: what a model folder holds, read from headers only (no weights are loaded).</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("info", "Show a model's architecture, parameter count, dtypes and memory footprint.") { model, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var summary = ModelSummary.Read(result.GetValue(model)!);
            if (result.GetValue(json))
            {
                Console.WriteLine(summary.ToJson().ToJsonString());
                return;
            }
            var c = summary.Config;
            Console.WriteLine($"architecture     {c.ArchitectureName} (model_type {c.ModelType})");
            Console.WriteLine($"layers           {c.NumHiddenLayers}, hidden {c.HiddenSize}, intermediate {c.IntermediateSize}");
            Console.WriteLine($"attention        {c.NumAttentionHeads} heads, {c.NumKeyValueHeads} key/value heads, head_dim {c.HeadDim}");
            Console.WriteLine($"vocabulary       {c.VocabSize}, tied embeddings: {(c.TieWordEmbeddings ? "yes" : "no")}");
            Console.WriteLine($"rope             theta {c.RopeTheta}{(c.RopeScaling is { } s ? $", {s.Type} scaling ×{s.Factor}" : "")}");
            Console.WriteLine($"parameters       {summary.Parameters:N0}");
            Console.WriteLine($"stored dtypes    {string.Join(", ", summary.StoredDtypes.Select(d => $"{d.Key} ({d.Value:N0} params)"))}");
            Console.WriteLine($"memory fp32      {Bytes(summary.Fp32Bytes)}");
            Console.WriteLine($"memory bf16      {Bytes(summary.Bf16Bytes)}");
        }));
        return command;
    }

    private static string Bytes(long n) => ByteCount.Format(n);
}
