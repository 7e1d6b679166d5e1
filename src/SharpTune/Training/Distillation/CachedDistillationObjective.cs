using SharpTune.Data;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training.Distillation;

/// <summary>Distillation from the teacher's cached top-k logits (<see cref="TeacherLogitCache"/>): no teacher in memory while the student trains.</summary>
/// <param name="cache">The teacher's logits of the training rows.</param>
/// <param name="alpha"><c>kd_alpha</c>.</param>
/// <param name="temperature"><c>kd_temperature</c>.</param>
public sealed class CachedDistillationObjective(TeacherLogitCache cache, double alpha, double temperature) : ICausalLmObjective
{
    /// <inheritdoc/>
    public Tensor Sum(LlamaForCausalLM model, CollatedBatch batch, BatchTensors tensors)
    {
        using var scope = NewDisposeScope();
        var (values, indices) = cache.For(batch, tensors.Ids.device);
        var student = model.Forward(tensors.Ids, tensors.Mask, tensors.Positions);
        return DistillationLoss.SumTopK(student, values, indices, tensors.Labels, alpha, temperature).MoveToOuterDisposeScope();
    }
}
