using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Training.Benchmarking;

/// <summary>
/// The machine's measured matrix-multiply throughput: the denominator of model FLOPs utilisation. A square matmul
/// large enough to saturate the device (2048 on CPU, 8192 on CUDA), in the training dtype, repeated for a fixed time.
/// </summary>
public static class MatmulPeak
{
    /// <summary>FLOP/s of an n×n by n×n matmul (2n³ FLOPs each) in <paramref name="dtype"/> on <paramref name="device"/>, the best of several timed rounds.</summary>
    public static double Measure(Device device, ScalarType dtype, int? size = null, double seconds = 2.0)
    {
        int n = size ?? (device.type == DeviceType.CUDA ? 8192 : 2048);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(0, device);
        var a = randn([n, n], dtype: dtype, device: device, generator: generator);
        var b = randn([n, n], dtype: dtype, device: device, generator: generator);
        for (int i = 0; i < 2; i++) a.matmul(b).Dispose();
        Synchronize(device);

        double flops = 2.0 * n * n * n, best = 0;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || best == 0)
        {
            // Rounds of several matmuls, so a CUDA round is not dominated by the launch and the sync.
            int repeat = device.type == DeviceType.CUDA ? 10 : 1;
            var round = Stopwatch.StartNew();
            for (int i = 0; i < repeat; i++) a.matmul(b).Dispose();
            Synchronize(device);
            best = Math.Max(best, repeat * flops / round.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>Waits for the device's queued work (a no-op on CPU, where work is synchronous).</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
