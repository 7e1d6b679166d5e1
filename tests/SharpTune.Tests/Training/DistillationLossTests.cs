using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

/// <summary>The KD loss against values worked out by hand (plain double arithmetic) on a toy batch.</summary>
public sealed class DistillationLossTests
{
    // One row of 3 positions over a vocabulary of 4. Labels line up with the inputs: position 0 predicts label[1],
    // position 1 predicts label[2] (ignored); position 2 predicts nothing.
    private static readonly float[] Student = [1.0f, 0.5f, -0.5f, 0.0f, /**/ 2.0f, 0.1f, 0.3f, -1.0f, /**/ 0.2f, 0.2f, 0.2f, 0.2f];
    private static readonly float[] Teacher = [2.0f, 1.0f, -1.0f, 0.5f, /**/ -3.0f, 4.0f, 0.0f, 1.0f, /**/ 0.0f, 0.0f, 0.0f, 9.0f];
    private static readonly long[] Labels = [-100, 1, -100];

    private static double[] LogSoftmax(IEnumerable<double> logits, double t)
    {
        var z = logits.Select(x => x / t).ToArray();
        double max = z.Max(), lse = max + Math.Log(z.Sum(x => Math.Exp(x - max)));
        return z.Select(x => x - lse).ToArray();
    }

    /// <summary>α·T²·Σ p (log p − log q) + (1 − α)·(−log softmax(student)[label]) at position 0, by hand.</summary>
    private static double Expected(double alpha, double t, int? topK = null)
    {
        var s = Student.Take(4).Select(x => (double)x).ToArray();
        var te = Teacher.Take(4).Select(x => (double)x).ToArray();
        var logQ = LogSoftmax(s, t);
        int[] keep = topK is { } k ? te.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(k).Select(p => p.i).ToArray() : [0, 1, 2, 3];
        var logP = LogSoftmax(keep.Select(i => te[i]), t);
        double kl = keep.Select((i, j) => Math.Exp(logP[j]) * (logP[j] - logQ[i])).Sum();
        double ce = -LogSoftmax(s, 1)[1];
        return alpha * t * t * kl + (1 - alpha) * ce;
    }

    [Theory]
    [InlineData(0.5, 2.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(0.0, 3.0)]
    [InlineData(0.7, 4.0)]
    public void Full_logits_loss_matches_the_hand_computed_value(double alpha, double t)
    {
        using var scope = NewDisposeScope();
        var loss = DistillationLoss.Sum(tensor(Student, [1, 3, 4]), tensor(Teacher, [1, 3, 4]), tensor(Labels, [1, 3]), alpha, t).item<float>();
        Assert.Equal(Expected(alpha, t), loss, 4);
    }

    [Fact]
    public void Alpha_zero_is_plain_cross_entropy()
    {
        using var scope = NewDisposeScope();
        var kd = DistillationLoss.Sum(tensor(Student, [1, 3, 4]), tensor(Teacher, [1, 3, 4]), tensor(Labels, [1, 3]), 0.0, 2.0).item<float>();
        var ce = CausalLmLoss.Sum(tensor(Student, [1, 3, 4]), tensor(Labels, [1, 3])).item<float>();
        Assert.Equal(ce, kd, 5);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Top_k_cached_loss_matches_the_hand_computed_value(int k)
    {
        using var scope = NewDisposeScope();
        var (values, indices) = tensor(Teacher, [1, 3, 4]).topk(k, dim: -1);
        var loss = DistillationLoss.SumTopK(tensor(Student, [1, 3, 4]), values, indices, tensor(Labels, [1, 3]), 0.5, 2.0).item<float>();
        Assert.Equal(Expected(0.5, 2.0, k), loss, 4);
        if (k == 4)
            Assert.Equal(DistillationLoss.Sum(tensor(Student, [1, 3, 4]), tensor(Teacher, [1, 3, 4]), tensor(Labels, [1, 3]), 0.5, 2.0).item<float>(), loss, 5);
    }

    [Fact]
    public void Ignored_labels_contribute_nothing_and_the_gradient_reaches_only_the_student()
    {
        using var scope = NewDisposeScope();
        var student = tensor(Student, [1, 3, 4]).requires_grad_(true);
        var loss = DistillationLoss.Sum(student, tensor(Teacher, [1, 3, 4]), tensor(new long[] { -100, -100, -100 }, [1, 3]), 0.5, 2.0);
        Assert.Equal(0.0, loss.item<float>(), 6);
        var trained = DistillationLoss.Sum(student, tensor(Teacher, [1, 3, 4]), tensor(Labels, [1, 3]), 0.5, 2.0);
        trained.backward();
        var grad = student.grad!.reshape(3, 4);
        Assert.True(grad[0].abs().sum().item<float>() > 0);
        Assert.Equal(0.0, grad[1].abs().sum().item<float>() + grad[2].abs().sum().item<float>(), 6);
    }
}
