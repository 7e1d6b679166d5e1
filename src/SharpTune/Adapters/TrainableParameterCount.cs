using System.Globalization;
using SharpTune.Quantization;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>How many of a model's parameters train (requires_grad) out of how many in all, as peft's print_trainable_parameters reports.</summary>
/// <param name="Trainable">Elements of the parameters with requires_grad.</param>
/// <param name="Total">Elements of all parameters (adapter ones included); a quantized layer counts the weights it stands for, as peft counts 4-bit ones.</param>
public sealed record TrainableParameterCount(long Trainable, long Total)
{
    /// <summary>Counts the parameters of <paramref name="model"/>.</summary>
    public static TrainableParameterCount Of(nn.Module model)
    {
        long trainable = 0, total = 0;
        foreach (var p in model.parameters())
        {
            total += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        foreach (var layer in model.modules().OfType<QuantizedLinear>().Distinct())
            total += layer.InFeatures * layer.OutFeatures + (layer.Bias?.numel() ?? 0);
        return new TrainableParameterCount(trainable, total);
    }

    /// <summary>The trainable share in percent.</summary>
    public double Percent => Total == 0 ? 0 : 100.0 * Trainable / Total;

    /// <summary>peft's line: <c>trainable params: 1,024 || all params: 10,240 || trainable%: 10.0000</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"trainable params: {Trainable:N0} || all params: {Total:N0} || trainable%: {Percent:F4}");
}
