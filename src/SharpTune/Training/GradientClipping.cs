using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Global gradient-norm clipping (<c>max_grad_norm</c>), or only the norm when clipping is off.</summary>
public static class GradientClipping
{
    /// <summary>Clips the gradients of <paramref name="parameters"/> to <paramref name="maxNorm"/> (0: no clipping); returns the norm before clipping.</summary>
    public static double Apply(IEnumerable<Parameter> parameters, double maxNorm)
    {
        using var scope = NewDisposeScope();
        var list = parameters.ToList();
        return maxNorm > 0 ? nn.utils.clip_grad_norm_(list, maxNorm) : Norm(list);
    }

    private static double Norm(IEnumerable<Parameter> parameters)
    {
        double squares = 0;
        foreach (var p in parameters)
            if (p.grad is { } g) squares += g.to(ScalarType.Float64).pow(2).sum().item<double>();
        return Math.Sqrt(squares);
    }
}
