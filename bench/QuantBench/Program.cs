// 4-bit (NF4, double quantization) dequantize + matmul, as QuantizedLinear runs it, against the plain matmul of the
// same shape in the compute dtype (fp32 on CPU, bf16 on CUDA), forward only and forward + backward (input gradient).
// Also the mean squared error of NF4, FP4 and int4 absmax (blocks of 64) on N(0, 1) data.
//   dotnet QuantBench.dll [cpu|cuda] [OUT IN TOKENS]...   (default: cpu 2048 2048 512 and 4096 4096 512 on cuda)
using System.Diagnostics;
using SharpTune.Backend;
using SharpTune.Quantization;
using static TorchSharp.torch;

string deviceName = args.Length > 0 ? args[0] : "cpu";
var device = ComputeDevice.Resolve(deviceName);
bool onCuda = device.type == TorchSharp.DeviceType.CUDA;
var dtype = onCuda ? ScalarType.BFloat16 : ScalarType.Float32;
var shapes = new List<(long Out, long In, long Tokens)>();
for (int i = 1; i + 2 < args.Length; i += 3) shapes.Add((long.Parse(args[i]), long.Parse(args[i + 1]), long.Parse(args[i + 2])));
if (shapes.Count == 0) shapes.Add(onCuda ? (4096, 4096, 512) : (2048, 2048, 512));

Console.WriteLine($"device {device}, compute dtype {dtype}, torch threads {get_num_threads()}");
Console.WriteLine("| shape [out, in] × tokens | plain matmul ms | 4-bit dequant+matmul ms | ratio | plain fwd+bwd ms | 4-bit fwd+bwd ms | ratio |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (var (outF, inF, tokens) in shapes)
{
    manual_seed(0);
    using var w = randn(new[] { outF, inF }, dtype, device) * 0.02;
    using var layer = new QuantizedLinear(Quantized4BitWeight.Quantize(w, QuantType.Nf4, doubleQuant: true), null, dtype);
    using var x = randn(new[] { tokens, inF }, dtype, device);
    double plain = Time(() => { using var _ = no_grad(); using var y = x.matmul(w.t()); }, device);
    double quant = Time(() => { using var _ = no_grad(); using var y = layer.forward(x); }, device);
    double plainBack = Time(() => Backward(x, input => input.matmul(w.t())), device);
    double quantBack = Time(() => Backward(x, layer.forward), device);
    Console.WriteLine($"| [{outF}, {inF}] × {tokens} | {plain:F2} | {quant:F2} | {quant / plain:F2}× | {plainBack:F2} | {quantBack:F2} | {quantBack / plainBack:F2}× |");
}

// Quantization error on N(0, 1) data.
{
    manual_seed(1);
    using var data = randn(1 << 20);
    using var nf4 = Quantized4BitWeight.Quantize(data, QuantType.Nf4, false);
    using var fp4 = Quantized4BitWeight.Quantize(data, QuantType.Fp4, false);
    using var nf4Values = nf4.Dequantize(ScalarType.Float32);
    using var fp4Values = fp4.Dequantize(ScalarType.Float32);
    // Symmetric int4 absmax: codes −7..7 of absmax/7 per block of 64.
    using var blocks = data.view(-1, 64);
    using var absmax = blocks.abs().amax([1], keepdim: true);
    using var int4 = ((blocks / absmax * 7).round() / 7 * absmax).flatten();
    double Mse(Tensor t) { using var d = (t - data).square().mean(); return d.item<float>(); }
    Console.WriteLine();
    Console.WriteLine($"MSE on N(0,1), blocks of 64: NF4 {Mse(nf4Values):E3}, FP4 {Mse(fp4Values):E3}, int4 absmax {Mse(int4):E3}");
}

static void Backward(Tensor x, Func<Tensor, Tensor> f)
{
    using var scope = NewDisposeScope();
    var input = x.detach().requires_grad_(true);
    f(input).sum().backward();
}

static double Time(Action action, Device device)
{
    for (int i = 0; i < 3; i++) action();
    Sync(device);
    var sw = Stopwatch.StartNew();
    int runs = 0;
    while (sw.Elapsed.TotalSeconds < 2 || runs < 5)
    {
        action();
        runs++;
    }
    Sync(device);
    return sw.Elapsed.TotalMilliseconds / runs;
}

static void Sync(Device device)
{
    if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(device);
}
