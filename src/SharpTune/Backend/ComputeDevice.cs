using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Backend;

/// <summary>Chooses where tensors live (<c>device: auto|cpu|cuda|cuda:N</c>) and the default dtype there.</summary>
public static class ComputeDevice
{
    /// <summary>
    /// Resolves a device name. <c>auto</c> picks CUDA when libtorch was loaded with CUDA support and a GPU is
    /// present, else the CPU; asking for <c>cuda</c> where there is none is an error saying how to get it.
    /// </summary>
    public static Device Resolve(string? name, string source = "device")
    {
        HostAllocator.KeepFreedMemory();
        string value = (name ?? "auto").Trim().ToLowerInvariant();
        if (value == "cpu") return CPU;
        if (value == "auto") return CudaAvailable() ? CUDA : CPU;
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!CudaAvailable())
                throw new SharpTuneException(
                    $"{source}: '{name}' asked for, but libtorch has no usable CUDA device here. The default build ships the CPU " +
                    "libtorch; to use a GPU, point SHARPTUNE_LIBTORCH at a CUDA libtorch (a PyTorch install's torch/lib) — see the README.");
            if (value == "cuda") return CUDA;
            if (int.TryParse(value.AsSpan(5), out int index) && index >= 0 && index < cuda.device_count())
                return new Device(DeviceType.CUDA, index);
            throw new SharpTuneException($"{source}: '{name}' is not a CUDA device here ({cuda.device_count()} present)");
        }
        throw new SharpTuneException($"{source}: unknown device '{name}' (use auto, cpu, cuda or cuda:N)");
    }

    /// <summary>The training/inference dtype to use on <paramref name="device"/> when the user names none: fp32 on CPU, bf16 on CUDA.</summary>
    public static ScalarType DefaultDtype(Device device) =>
        device.type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32;

    private static bool CudaAvailable()
    {
        try
        {
            return cuda.is_available();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or NotSupportedException)
        {
            return false;
        }
    }
}
