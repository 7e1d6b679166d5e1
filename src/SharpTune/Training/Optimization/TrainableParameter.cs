using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>A parameter an optimizer updates, with its name in the model (the key of its state in a checkpoint) and whether weight decay applies.</summary>
/// <param name="Name">The parameter's full name, e.g. <c>model.layers.0.self_attn.q_proj.lora_A.weight</c>.</param>
/// <param name="Value">The parameter itself; its <c>grad</c> is read at each step.</param>
/// <param name="Decay">Whether decoupled weight decay applies (not on norms, biases or other 1-d parameters).</param>
public sealed record TrainableParameter(string Name, Parameter Value, bool Decay)
{
    /// <summary>
    /// The trainable parameters of <paramref name="module"/> (those with requires_grad), with weight decay on
    /// matrices and none on norms and biases (any parameter with fewer than two dimensions), as transformers does.
    /// </summary>
    public static IReadOnlyList<TrainableParameter> Of(nn.Module module) =>
        module.named_parameters()
            .Where(p => p.parameter.requires_grad)
            .Select(p => new TrainableParameter(p.name, p.parameter, p.parameter.dim() >= 2))
            .ToList();
}
