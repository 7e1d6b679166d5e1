using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training.Benchmarking;

/// <summary>
/// Writes what a numerics comparison with a Python peer needs: the logits of fixed token ids, and with a LoRA adapter
/// the gradients of the mean next-token loss with respect to every A and B, under peft's key names
/// (<c>base_model.model.….lora_A.weight</c>). transformers + peft compute the same on the same files, and the two
/// are compared there (bench/gpu/numerics.py).
/// </summary>
public static class NumericsDump
{
    /// <summary>Runs <paramref name="model"/> (with <paramref name="lora"/> trainable, if given) on <paramref name="ids"/> [rows, length] and writes <c>logits</c> and the gradients to <paramref name="path"/>.</summary>
    public static void Write(LlamaForCausalLM model, LoraModel? lora, long[,] ids, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        using var scope = NewDisposeScope();
        model.eval();
        var input = tensor(ids).to(model.Device);
        var logits = model.Forward(input);
        var outputs = new Dictionary<string, Tensor> { ["logits"] = logits.detach().to(ScalarType.Float32).cpu() };
        if (lora is not null)
        {
            long labels = ids.GetLength(0) * (ids.GetLength(1) - 1L);
            CausalLmLoss.Sum(logits, input).div(labels).backward();
            foreach (var (module, layer) in lora.Layers)
            {
                outputs[$"{LoraModel.KeyPrefix}{module}.lora_A.weight"] = layer.LoraA.grad!.cpu();
                outputs[$"{LoraModel.KeyPrefix}{module}.lora_B.weight"] = layer.LoraB.grad!.cpu();
            }
        }
        SafetensorsWriter.Write(path, outputs);
    }
}
