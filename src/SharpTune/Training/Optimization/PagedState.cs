using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>
/// Optimizer state kept in host memory and brought to the parameter's device only for that parameter's update
/// (bitsandbytes' paged optimizers; here explicit per-tensor copies rather than CUDA unified memory). On the CPU the
/// host tensor is used directly, so a paged optimizer computes exactly what its unpaged twin does.
/// </summary>
internal static class PagedState
{
    /// <summary>A zero state tensor shaped like <paramref name="like"/>: in host memory when <paramref name="paged"/> (pinned for fast copies when the parameter is on CUDA), else on its device.</summary>
    public static Tensor Zeros(Tensor like, ScalarType dtype, bool paged) => Zeros(like.shape, like.device, dtype, paged);

    /// <summary>A zero state tensor of <paramref name="shape"/> for a parameter on <paramref name="device"/>.</summary>
    public static Tensor Zeros(long[] shape, Device device, ScalarType dtype, bool paged)
    {
        if (!paged || device.type == TorchSharp.DeviceType.CPU) return zeros(shape, dtype, device).DetachFromDisposeScope();
        using var host = zeros(shape, dtype, CPU);
        return host.pin_memory().DetachFromDisposeScope();
    }

    /// <summary>The state on <paramref name="device"/>: <paramref name="stored"/> itself when it is there, else a copy.</summary>
    public static Tensor Bring(Tensor stored, Device device) =>
        SameDevice(stored.device, device) ? stored : stored.to(device);

    /// <summary>Writes the updated <paramref name="working"/> copy back into <paramref name="stored"/> when they differ.</summary>
    public static void Return(Tensor stored, Tensor working)
    {
        if (!ReferenceEquals(stored, working) && working.Handle != stored.Handle) stored.copy_(working);
    }

    private static bool SameDevice(Device a, Device b) => a.type == b.type && (a.type == TorchSharp.DeviceType.CPU || a.index == b.index);
}
