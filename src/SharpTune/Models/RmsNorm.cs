using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Root-mean-square layer norm (Zhang &amp; Sennrich, 2019) as Llama uses it: normalised in fp32, scaled by a learned weight.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Scalar eps;   // held for the module's life (an implicit Scalar may be finalized mid-call)

    /// <summary>Creates the norm over the last dimension of size <paramref name="size"/>, weight initialised to ones.</summary>
    public RmsNorm(long size, double eps, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(RmsNorm))
    {
        this.eps = eps.ToScalar();
        weight = new Parameter(ones(size, dtype: dtype, device: device));
        register_parameter("weight", weight);
    }

    /// <summary>The learned scale.</summary>
    public Parameter Weight => weight;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * rsqrt(x32.square().mean([-1L], keepdim: true) + eps);
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
