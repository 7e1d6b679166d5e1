using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Gradient (activation) checkpointing: runs a block without keeping its activations, and runs it again during
/// the backward pass to get them, trading one extra forward for the memory of every intermediate tensor. The CPU
/// random state is restored for the second run, so dropout draws the same masks.
/// </summary>
internal sealed class ActivationCheckpoint : autograd.SingleTensorFunction<ActivationCheckpoint>
{
    /// <inheritdoc/>
    public override string Name => nameof(ActivationCheckpoint);

    /// <summary>Applies <paramref name="block"/> to <paramref name="input"/>, recomputing it in the backward pass.</summary>
    public static Tensor Run(Tensor input, Func<Tensor, Tensor> block) => apply(input, block);

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        ctx.save_for_backward([input]);
        ctx.save_data("block", vars[1]);
        ctx.save_data("rng", get_rng_state().DetachFromDisposeScope());
        using var noGrad = no_grad();
        return ((Func<Tensor, Tensor>)vars[1])(input);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var block = (Func<Tensor, Tensor>)ctx.get_data("block");
        var input = ctx.get_saved_variables()[0].detach().requires_grad_(true);
        using var rngNow = get_rng_state();
        set_rng_state((Tensor)ctx.get_data("rng"));
        try
        {
            using var enable = enable_grad();
            using var output = block(input);
            autograd.backward([output], [gradOutput]);
        }
        finally
        {
            set_rng_state(rngNow);
        }
        // One gradient per forward argument: the input's, and none for the block.
        return [input.grad!, null!];
    }
}
