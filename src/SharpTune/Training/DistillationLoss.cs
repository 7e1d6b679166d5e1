using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Hinton et al.'s knowledge-distillation loss for causal LMs, per trained label position:
/// α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − α)·CE(student, label). Labels line up with the inputs and
/// are shifted here as in <see cref="CausalLmLoss"/>; positions whose label is -100 count for nothing (neither term).
/// </summary>
public static class DistillationLoss
{
    /// <summary>
    /// The summed loss over the trained labels with the teacher's full logits [rows, length, vocab] (same vocabulary
    /// as the student's). Returns the sum, not the mean, so gradient accumulation can normalise over the whole batch.
    /// </summary>
    public static Tensor Sum(Tensor studentLogits, Tensor teacherLogits, Tensor labels, double alpha, double temperature)
    {
        using var scope = NewDisposeScope();
        var (student, target, rows) = TrainedPositions(studentLogits, labels);
        var teacher = teacherLogits.narrow(1, 0, teacherLogits.shape[1] - 1).reshape(-1, teacherLogits.shape[^1]).index_select(0, rows).to(ScalarType.Float32);
        var teacherLogProbs = (teacher / temperature).log_softmax(-1);
        var studentLogProbs = (student / temperature).log_softmax(-1);
        var kl = (teacherLogProbs.exp() * (teacherLogProbs - studentLogProbs)).sum();
        return Combine(kl, student, target, alpha, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same with only the teacher's top-k logits per position ([rows, length, k] values and vocabulary indices, as
    /// cached on disk): the teacher distribution is the softmax of those k logits at temperature T (the rest of the
    /// vocabulary taken as zero), and the student's log-probabilities (over its whole vocabulary) are read at the same
    /// k indices. With k = vocabulary size it equals <see cref="Sum(Tensor, Tensor, Tensor, double, double)"/>.
    /// </summary>
    public static Tensor SumTopK(Tensor studentLogits, Tensor teacherTopValues, Tensor teacherTopIndices, Tensor labels, double alpha, double temperature)
    {
        using var scope = NewDisposeScope();
        var (student, target, rows) = TrainedPositions(studentLogits, labels);
        long k = teacherTopValues.shape[^1];
        var values = teacherTopValues.narrow(1, 0, teacherTopValues.shape[1] - 1).reshape(-1, k).index_select(0, rows).to(ScalarType.Float32);
        var indices = teacherTopIndices.narrow(1, 0, teacherTopIndices.shape[1] - 1).reshape(-1, k).index_select(0, rows).to(ScalarType.Int64);
        var teacherLogProbs = (values / temperature).log_softmax(-1);
        var studentLogProbs = (student / temperature).log_softmax(-1).gather(1, indices);
        var kl = (teacherLogProbs.exp() * (teacherLogProbs - studentLogProbs)).sum();
        return Combine(kl, student, target, alpha, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>The student's logits and labels at the trained positions (after the shift), and those positions' flat indices.</summary>
    private static (Tensor Student, Tensor Labels, Tensor Rows) TrainedPositions(Tensor studentLogits, Tensor labels)
    {
        var flatLabels = labels.narrow(1, 1, labels.shape[1] - 1).reshape(-1);
        var rows = (flatLabels != CausalLmLoss.IgnoreIndex).nonzero().reshape(-1);
        var student = studentLogits.narrow(1, 0, studentLogits.shape[1] - 1).reshape(-1, studentLogits.shape[^1]).index_select(0, rows).to(ScalarType.Float32);
        return (student, flatLabels.index_select(0, rows), rows);
    }

    private static Tensor Combine(Tensor kl, Tensor student, Tensor target, double alpha, double temperature)
    {
        var ce = nn.functional.cross_entropy(student, target, reduction: nn.Reduction.Sum);
        return kl * (alpha * temperature * temperature) + ce * (1 - alpha);
    }
}
