using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>The address of a tensor's first element (host or device memory), for handing it to MPI or NCCL.</summary>
internal static class TensorMemory
{
    // TorchSharp's native library exports the tensor's data_ptr(); its managed API has no public pointer accessor.
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr tensor);

    /// <summary>The address of <paramref name="tensor"/>'s data, which must be contiguous.</summary>
    public static IntPtr Address(Tensor tensor, string operation)
    {
        if (!tensor.is_contiguous()) throw new ArgumentException($"{operation}: the tensor must be contiguous", nameof(tensor));
        if (tensor.numel() == 0) return IntPtr.Zero;
        IntPtr address = THSTensor_data(tensor.Handle);
        if (address == IntPtr.Zero) TorchSharp.torch.CheckForErrors();
        return address;
    }
}
