using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A module whose linear projections can be swapped by name: the point where LoRA layers and
/// quantized layers are injected from outside (the model knows nothing of them).
/// </summary>
public interface ILinearHost
{
    /// <summary>The local names of the swappable projections, e.g. q_proj, k_proj.</summary>
    IReadOnlyList<string> LinearNames { get; }

    /// <summary>The module now in slot <paramref name="name"/>.</summary>
    nn.Module<Tensor, Tensor> GetLinear(string name);

    /// <summary>Puts <paramref name="replacement"/> in slot <paramref name="name"/>, under the same parameter prefix.</summary>
    void ReplaceLinear(string name, nn.Module<Tensor, Tensor> replacement);
}
