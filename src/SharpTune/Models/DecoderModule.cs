using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Base of the decoder's modules that hold linear projections in named slots (<see cref="ILinearHost"/>),
/// so that adapters and quantized layers can take a slot's place under the same parameter names.
/// </summary>
public abstract class DecoderModule : nn.Module, ILinearHost
{
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> linears = new();

    /// <summary>Creates the module named <paramref name="name"/>.</summary>
    protected DecoderModule(string name) : base(name) { }

    /// <inheritdoc/>
    public IReadOnlyList<string> LinearNames => [.. linears.Keys];

    /// <inheritdoc/>
    public nn.Module<Tensor, Tensor> GetLinear(string name) =>
        linears.TryGetValue(name, out var m) ? m : throw new ArgumentException($"{GetName()} has no linear slot '{name}'", nameof(name));

    /// <inheritdoc/>
    public void ReplaceLinear(string name, nn.Module<Tensor, Tensor> replacement)
    {
        _ = GetLinear(name);
        linears[name] = replacement;
        _internal_submodules[name] = replacement;
    }

    /// <summary>Creates slot <paramref name="name"/> holding a new nn.Linear on <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    protected void AddLinear(string name, long inFeatures, long outFeatures, bool bias, Device device, ScalarType dtype)
    {
        var linear = nn.Linear(inFeatures, outFeatures, hasBias: bias, device: device, dtype: dtype);
        linears[name] = linear;
        register_module(name, linear);
    }

    /// <summary>Applies the module now in slot <paramref name="name"/>.</summary>
    protected Tensor Project(string name, Tensor x) => linears[name].forward(x);
}
