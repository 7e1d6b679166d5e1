using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>
/// Updates parameters from their gradients. Our own implementations (not TorchSharp's) so that their whole
/// state is named tensors that a checkpoint saves and restores bit for bit.
/// </summary>
public interface IOptimizer
{
    /// <summary>The parameters it updates.</summary>
    IReadOnlyList<TrainableParameter> Parameters { get; }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/> to every parameter that has a gradient.</summary>
    void Step(double learningRate);

    /// <summary>Clears every parameter's gradient.</summary>
    void ZeroGrad();

    /// <summary>The optimizer's state as named tensors (e.g. <c>NAME.exp_avg</c>), for a checkpoint; includes a step count.</summary>
    IReadOnlyDictionary<string, Tensor> StateDict();

    /// <summary>Restores state written by <see cref="StateDict"/>; names what is missing or misshapen.</summary>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source);
}
