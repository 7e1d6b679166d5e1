using SharpTune.Data;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// What a causal-LM training step minimises: the summed loss of one micro-batch over its trained labels (the
/// recipe divides by the label count of the whole accumulated batch). Plain next-token cross-entropy for
/// pretraining and SFT (<see cref="NextTokenObjective"/>), a teacher's soft targets for distillation.
/// </summary>
public interface ICausalLmObjective
{
    /// <summary>The summed loss of <paramref name="batch"/> (its tensors <paramref name="tensors"/>) under <paramref name="model"/>, with gradients to the model.</summary>
    Tensor Sum(LlamaForCausalLM model, CollatedBatch batch, BatchTensors tensors);
}
