using System.Text.Json.Nodes;
using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public sealed class PretrainRecipeTests
{
    private static string WriteConfig(TempFolder dir, string body)
    {
        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the boat came home before dark. the sea was calm. ", 40)));
        File.WriteAllText(dir.File("run.yaml"), body);
        return dir.File("run.yaml");
    }

    [Fact]
    public void Pretraining_lowers_the_validation_loss_and_saves_a_loadable_model()
    {
        using var dir = new TempFolder();
        string path = WriteConfig(dir, """
            base_model: preset:tiny
            datasets:
              - path: text.txt
                type: text
            sequence_len: 32
            micro_batch_size: 4
            max_steps: 30
            eval_steps: 10
            learning_rate: 0.003
            output_dir: out
            sample_prompt: "the"
            """);
        var lines = new List<string>();
        var summary = new PretrainRecipe(PretrainConfig.Load(path), lines.Add).Run();
        double before = (double)summary["initial_eval_loss"]!, after = (double)summary["final_eval_loss"]!;
        Assert.True(after < before - 1.0, $"eval loss {before} -> {after}");
        Assert.Contains(lines, l => l.StartsWith("step 30:"));
        Assert.True(File.Exists(dir.File("out/summary.json")));
        Assert.StartsWith("the", (string)summary["sample"]!);
        using var model = HfModelFolder.Load(dir.File("out"), CPU, ScalarType.Float32);
        Assert.Equal(ModelPresets.Config("tiny", null)["hidden_size"]!.GetValue<long>(), model.Config.HiddenSize);
    }

    [Theory]
    [InlineData("max_step: 3\n", "run.yaml:3: unknown key 'max_step'")]
    [InlineData("max_steps: many\n", "run.yaml:3: max_steps: expected an integer, got 'many'")]
    [InlineData("datasets:\n  - path: nowhere.txt\n", "run.yaml:3: datasets: file not found")]
    [InlineData("datasets:\n  - path: text.txt\n    type: alpaca\n", "type 'alpaca' is not supported")]
    public void Config_errors_name_the_file_line_and_key(string extra, string message)
    {
        using var dir = new TempFolder();
        string body = extra.StartsWith("datasets")
            ? "base_model: preset:tiny\n" + extra + "output_dir: out\n"
            : "base_model: preset:tiny\noutput_dir: out\n" + extra + "datasets:\n  - path: text.txt\n";
        var e = Assert.Throws<SharpTuneException>(() => PretrainConfig.Load(WriteConfig(dir, body)));
        Assert.Contains(message, e.Message);
    }
}
