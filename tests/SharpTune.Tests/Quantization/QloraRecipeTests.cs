using System.Text.Json.Nodes;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Tests.Training;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Quantization;

/// <summary>QLoRA training runs: on a base quantized while loading, and on a pre-quantized bitsandbytes folder.</summary>
[Collection(SeededRuns.Name)]
public sealed class QloraRecipeTests
{
    private static JsonObject Run(TempFolder dir, string body)
    {
        File.WriteAllText(dir.File("run.yaml"), body);
        return new CausalLmRecipe(TrainConfig.Load(dir.File("run.yaml")), _ => { }).Run();
    }

    private static void MakeBase(TempFolder dir)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat("the boat came home before dark. the sea was calm and the keeper lit the lamp. ", 30)));
        Run(dir, """
            base_model: preset:tiny
            datasets:
              - path: text.txt
                type: text
            sequence_len: 64
            micro_batch_size: 4
            max_steps: 6
            learning_rate: 0.003
            val_set_size: 0.1
            output_dir: base
            """);
    }

    private static string Qlora(string baseModel, string output) => $"""
        base_model: {baseModel}
        datasets:
          - path: text.txt
            type: text
        sequence_len: 64
        micro_batch_size: 4
        max_steps: 10
        eval_steps: 5
        learning_rate: 0.01
        val_set_size: 0.1
        adapter: qlora
        bnb_4bit_use_double_quant: true
        lora_r: 4
        lora_alpha: 8
        lora_target_linear: true
        output_dir: {output}
        """;

    [Fact]
    public void Qlora_trains_an_adapter_on_a_base_quantized_at_load_and_on_a_prequantized_folder()
    {
        using var dir = new TempFolder();
        MakeBase(dir);

        var summary = Run(dir, Qlora("base", "qlora"));
        Assert.Equal("qlora", summary["method"]!.GetValue<string>());
        Assert.True(summary["final_eval_loss"]!.GetValue<double>() < summary["initial_eval_loss"]!.GetValue<double>(), summary.ToJsonString());
        Assert.True(File.Exists(dir.File("qlora/adapter_config.json")));
        Assert.True(File.Exists(dir.File("qlora/adapter_model.safetensors")));

        // The same base saved as a bitsandbytes 4-bit folder fine-tunes directly, and gives the same run.
        var config = new QuantizationConfig { Type = QuantType.Nf4, DoubleQuant = true };
        using (var model = HfModelFolder.Load(dir.File("base"), CPU, ScalarType.Float32))
        {
            ModelQuantizer.Quantize(model, config);
            BnbCheckpoint.Save(model, dir.File("base-bnb-4bit"), config);
        }
        HfModelFolder.CopyCompanionFiles([dir.File("base")], dir.File("base-bnb-4bit"));
        var prequantized = Run(dir, Qlora("base-bnb-4bit", "qlora-prequantized"));
        Assert.Equal(summary["final_eval_loss"]!.GetValue<double>(), prequantized["final_eval_loss"]!.GetValue<double>(), 6);
    }
}
