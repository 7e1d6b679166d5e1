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
        var squares = parameters.Where(p => p.grad is not null).Select(p => p.grad!.to(ScalarType.Float64).square().sum()).ToArray();
        return squares.Length == 0 ? 0 : Math.Sqrt(stack(squares).sum().item<double>());
    }
}
