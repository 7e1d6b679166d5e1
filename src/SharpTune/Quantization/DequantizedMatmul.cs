using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// y = x·Wᵀ with W dequantized from its quantized form in the forward pass and again in the backward pass
/// (grad_x = grad_y·W), so the full-precision W lives only for the duration of each matmul and is not kept for backward.
/// The quantized weight is frozen: it gets no gradient.
/// </summary>
internal sealed class DequantizedMatmul : autograd.SingleTensorFunction<DequantizedMatmul>
{
    /// <inheritdoc/>
    public override string Name => nameof(DequantizedMatmul);

    /// <summary>x·Wᵀ in x's dtype (the caller casts x to the compute dtype).</summary>
    public static Tensor Run(Tensor x, IQuantizedWeight weight) => apply(x, weight);

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var weight = (IQuantizedWeight)vars[1];
        ctx.save_data("weight", weight);
        using var w = weight.Dequantize(x.dtype);
        return x.matmul(w.t());
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var weight = (IQuantizedWeight)ctx.get_data("weight");
        using var w = weight.Dequantize(gradOutput.dtype);
        // One gradient per forward argument: x's, and none for the (non-tensor) quantized weight.
        return [gradOutput.matmul(w), null!];
    }
}
