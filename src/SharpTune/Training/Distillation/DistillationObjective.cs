using SharpTune.Data;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training.Distillation;

/// <summary>
/// Distillation with the teacher run on the fly: each micro-batch goes through the teacher without gradients, then
/// the student is trained on <see cref="DistillationLoss.Sum(Tensor, Tensor, Tensor, double, double)"/>.
/// </summary>
/// <param name="teacher">The teacher (any supported decoder over the student's vocabulary); it stays in eval mode.</param>
/// <param name="alpha"><c>kd_alpha</c>: the weight of the distillation term.</param>
/// <param name="temperature"><c>kd_temperature</c>.</param>
public sealed class DistillationObjective(LlamaForCausalLM teacher, double alpha, double temperature) : ICausalLmObjective
{
    /// <inheritdoc/>
    public Tensor Sum(LlamaForCausalLM model, CollatedBatch batch, BatchTensors tensors)
    {
        using var scope = NewDisposeScope();
        Tensor teacherLogits;
        teacher.eval();
        using (no_grad())
            teacherLogits = teacher.Forward(tensors.Ids.to(teacher.Device), tensors.Mask.to(teacher.Device), tensors.Positions.to(teacher.Device)).to(tensors.Ids.device);
        var student = model.Forward(tensors.Ids, tensors.Mask, tensors.Positions);
        return DistillationLoss.Sum(student, teacherLogits, tensors.Labels, alpha, temperature).MoveToOuterDisposeScope();
    }
}
