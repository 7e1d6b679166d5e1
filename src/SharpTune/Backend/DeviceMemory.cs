using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Backend;

/// <summary>
/// Memory in use on a device. TorchSharp 0.107 binds none of torch.cuda's memory statistics, so on CUDA this asks the
/// driver (NVML's used memory of the GPU: every allocation of the process, the caching allocator's reserve and the
/// CUDA context included — the same figure <c>torch.cuda.mem_get_info</c> gives a Python peer). On CPU it is the
/// process's resident set.
/// </summary>
public static class DeviceMemory
{
    private const string Nvml = "libnvidia-ml.so.1";

    /// <summary>Bytes in use on <paramref name="device"/> now (CUDA), or the process's peak resident set (CPU); null when the driver cannot say.</summary>
    public static long? UsedBytes(Device device)
    {
        if (device.type != DeviceType.CUDA) return ProcessMemory.PeakBytes();
        try
        {
            if (nvmlInit_v2() != 0) return null;
            if (nvmlDeviceGetHandleByIndex_v2((uint)Math.Max(0, (int)device.index), out var handle) != 0) return null;
            return nvmlDeviceGetMemoryInfo(handle, out var memory) == 0 ? (long)memory.Used : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    [DllImport(Nvml)]
    private static extern int nvmlInit_v2();

    [DllImport(Nvml)]
    private static extern int nvmlDeviceGetHandleByIndex_v2(uint index, out IntPtr device);

    [DllImport(Nvml)]
    private static extern int nvmlDeviceGetMemoryInfo(IntPtr device, out NvmlMemory memory);
}
