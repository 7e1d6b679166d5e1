using SharpTune.Data;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Next-token cross-entropy on the labels (<see cref="CausalLmLoss"/>): pretraining and SFT.</summary>
public sealed class NextTokenObjective : ICausalLmObjective
{
    /// <inheritdoc/>
    public Tensor Sum(LlamaForCausalLM model, CollatedBatch batch, BatchTensors tensors) =>
        CausalLmLoss.Sum(model, model.HiddenStates(tensors.Ids, tensors.Mask, tensors.Positions), tensors.Labels);
}
