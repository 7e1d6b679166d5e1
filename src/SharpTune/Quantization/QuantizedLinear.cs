using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// A frozen linear layer whose weight is stored quantized (4-bit NF4/FP4 or int8 rows) and dequantized on the fly,
/// in the forward and again in the backward pass, to <see cref="ComputeDtype"/> (<c>bnb_4bit_compute_dtype</c>):
/// the input is cast to it, multiplied, and the output cast back to the input's dtype, as bitsandbytes' Linear4bit does.
/// Gradients flow to the input (and so into a LoRA adapter on top); the quantized weight has none. Its stored data is
/// registered as the buffer <c>weight</c> (the packed codes, or the int8 values beside <c>SCB</c>).
/// </summary>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>
{
    private readonly Tensor? bias;

    /// <summary>Wraps <paramref name="weight"/> (owned from now on) and an optional frozen bias.</summary>
    public QuantizedLinear(IQuantizedWeight weight, Tensor? bias, ScalarType computeDtype) : base(nameof(QuantizedLinear))
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Count != 2) throw new ArgumentException("a linear weight is [out, in]", nameof(weight));
        Weight = weight;
        ComputeDtype = computeDtype;
        OutFeatures = weight.Shape[0];
        InFeatures = weight.Shape[1];
        switch (weight)
        {
            case Quantized4BitWeight w4:
                register_buffer("weight", w4.Packed);
                break;
            case Int8Weight w8:
                register_buffer("weight", w8.Weight);
                register_buffer("SCB", w8.Scb);
                break;
        }
        if (bias is not null)
        {
            this.bias = bias.detach();
            register_buffer("bias", this.bias);
        }
    }

    /// <summary>The quantized weight.</summary>
    public IQuantizedWeight Weight { get; }

    /// <summary>The frozen bias, or null.</summary>
    public Tensor? Bias => bias;

    /// <summary>The dtype weights are dequantized to and the matmul runs in.</summary>
    public ScalarType ComputeDtype { get; }

    /// <summary>The input width.</summary>
    public long InFeatures { get; }

    /// <summary>The output width.</summary>
    public long OutFeatures { get; }

    /// <summary>
    /// Quantizes <paramref name="linear"/>'s weight as <paramref name="config"/> says (4-bit with or without double
    /// quantization, or int8 rows). The linear layer is left as it was; the caller disposes it to free its weight.
    /// </summary>
    public static QuantizedLinear FromLinear(Linear linear, QuantizationConfig config)
    {
        ArgumentNullException.ThrowIfNull(linear);
        ArgumentNullException.ThrowIfNull(config);
        using var _ = no_grad();
        IQuantizedWeight weight = config.Is4Bit
            ? Quantized4BitWeight.Quantize(linear.weight!, config.Type, config.DoubleQuant)
            : Int8Weight.Quantize(linear.weight!);
        return new QuantizedLinear(weight, linear.bias?.detach().clone(), config.ComputeDtype);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = x.dtype == ComputeDtype ? x : x.to(ComputeDtype);
        var y = DequantizedMatmul.Run(input, Weight);
        if (bias is not null) y = y + bias.to(ComputeDtype);
        return (y.dtype == x.dtype ? y : y.to(x.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>A plain linear layer holding the dequantized weight in <paramref name="dtype"/> (frozen, on the same device).</summary>
    public Linear ToLinear(ScalarType dtype)
    {
        var linear = nn.Linear(InFeatures, OutFeatures, hasBias: bias is not null, device: Weight.Device, dtype: dtype);
        using var _ = no_grad();
        using var w = Weight.Dequantize(dtype);
        linear.weight!.copy_(w);
        if (bias is not null) linear.bias!.copy_(bias);
        foreach (var p in linear.parameters()) p.requires_grad = false;
        return linear;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) Weight.Dispose();
        base.Dispose(disposing);
    }
}
