using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>A collated batch as the tensors a causal-LM forward pass and loss take.</summary>
/// <param name="Ids">Token ids [rows, length].</param>
/// <param name="Mask">The attention mask: 1/0 for plain rows; for packed rows the sample index + 1 (0 for padding), so attention stays inside each sample.</param>
/// <param name="Positions">Position ids, restarting in each packed sample.</param>
/// <param name="Labels">Labels, unshifted; -100 where nothing is trained.</param>
public sealed record BatchTensors(Tensor Ids, Tensor Mask, Tensor Positions, Tensor Labels)
{
    /// <summary>The tensors of <paramref name="batch"/> on <paramref name="device"/> (created in the caller's dispose scope).</summary>
    public static BatchTensors From(CollatedBatch batch, Device device)
    {
        long[] shape = [batch.Rows, batch.Length];
        var mask = batch.SequenceIds.Any(s => s > 0)
            ? batch.SequenceIds.Select(s => s + 1L).ToArray()
            : batch.AttentionMask;
        return new BatchTensors(tensor(batch.InputIds, shape).to(device), tensor(mask, shape).to(device),
            tensor(batch.PositionIds, shape).to(device), tensor(batch.Labels, shape).to(device));
    }

    /// <summary>The labels the loss counts: those after each row's first token (the first has nothing to be predicted from).</summary>
    public static long TrainedLabels(CollatedBatch batch)
    {
        long count = 0;
        for (int r = 0; r < batch.Rows; r++)
            for (int t = 1; t < batch.Length; t++)
                if (batch.Labels[r * batch.Length + t] != CausalLmLoss.IgnoreIndex) count++;
        return count;
    }
}
