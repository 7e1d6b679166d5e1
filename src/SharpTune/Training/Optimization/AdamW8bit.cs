using SharpTune.Quantization;
using static TorchSharp.torch;

namespace SharpTune.Training.Optimization;

/// <summary>
/// AdamW with 8-bit blockwise state, as bitsandbytes' <c>AdamW8bit</c> (Dettmers et al., "8-bit Optimizers via
/// Block-wise Quantization", 2022) keeps it: for each parameter of at least <see cref="MinQuantizedSize"/> elements
/// the first moment is stored as uint8 codes of the signed dynamic map and the second moment as codes of the unsigned
/// one (<see cref="DynamicQuantizationMap"/>), with one float32 absmax per block of <see cref="BlockSize"/> values.
/// Each step dequantizes both moments, applies the float32 AdamW update (the parameter moves by the unrounded
/// moments, as bitsandbytes' kernel does), and quantizes the new moments against their new block maxima. Smaller
/// tensors (norms, biases, small LoRA matrices) keep float32 state, as bitsandbytes does. That is about 2 bytes of
/// state per parameter plus 8 bytes per block, instead of 8. Paged (<c>paged_adamw_8bit</c>), the state lives in
/// host memory and comes to the device one tensor at a time.
/// </summary>
public sealed class AdamW8bit : IOptimizer
{
    /// <summary>Values per absmax constant (bitsandbytes' block size for its blockwise optimizers).</summary>
    public const int BlockSize = 256;

    /// <summary>Tensors with fewer elements keep float32 state (bitsandbytes' <c>min_8bit_size</c>).</summary>
    public const long MinQuantizedSize = 4096;

    private static readonly BlockwiseQuantizer FirstMoment = new(DynamicQuantizationMap.Signed, BlockSize);
    private static readonly BlockwiseQuantizer SecondMoment = new(DynamicQuantizationMap.Unsigned, BlockSize);

    private readonly AdamHyperparameters hyper;
    private readonly ParameterState[] states;
    private long step;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>; <paramref name="paged"/> keeps the state in host memory.</summary>
    public AdamW8bit(IReadOnlyList<TrainableParameter> parameters, double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, bool paged = false)
    {
        Parameters = parameters;
        hyper = new AdamHyperparameters(beta1, beta2, epsilon, weightDecay);
        Paged = paged;
        states = parameters.Select(p => ParameterState.For(p.Value, paged)).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<TrainableParameter> Parameters { get; }

    /// <summary>Whether the state lives in host memory.</summary>
    public bool Paged { get; }

    /// <summary>Whether parameter <paramref name="index"/>'s state is 8-bit (else float32).</summary>
    public bool IsQuantized(int index) => states[index].Quantized;

    /// <inheritdoc/>
    public void Step(double learningRate)
    {
        step++;
        using var factors = new AdamStepScalars(hyper, learningRate, step);
        AdamW.ForEachGradient(Parameters, (i, p, g) =>
        {
            var s = states[i];
            var device = p.Value.device;
            if (!s.Quantized)
            {
                AdamW.UpdateStored(p, g, s.First, s.Second, factors);
                return;
            }
            var codes1 = PagedState.Bring(s.First, device);
            var absmax1 = PagedState.Bring(s.FirstAbsmax!, device);
            var codes2 = PagedState.Bring(s.Second, device);
            var absmax2 = PagedState.Bring(s.SecondAbsmax!, device);
            var m8 = FirstMoment.Dequantize(codes1, absmax1);
            var v8 = SecondMoment.Dequantize(codes2, absmax2);
            AdamW.Update(p, g, m8, v8, factors);
            FirstMoment.QuantizeInto(m8, codes1, absmax1);
            SecondMoment.QuantizeInto(v8, codes2, absmax2);
            PagedState.Return(s.First, codes1);
            PagedState.Return(s.FirstAbsmax!, absmax1);
            PagedState.Return(s.Second, codes2);
            PagedState.Return(s.SecondAbsmax!, absmax2);
        });
    }

    /// <inheritdoc/>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Value.grad?.zero_();
    }

    /// <summary>
    /// The state: <c>step</c>, the two code books (<c>qmap1</c>, <c>qmap2</c>), and per parameter either
    /// <c>NAME.state1</c>/<c>NAME.absmax1</c>/<c>NAME.state2</c>/<c>NAME.absmax2</c> (bitsandbytes' names; uint8 codes
    /// and float32 block maxima) or, for a small tensor, <c>NAME.exp_avg</c>/<c>NAME.exp_avg_sq</c> in float32.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>
        {
            ["step"] = tensor(step),
            ["qmap1"] = FirstMoment.Code,
            ["qmap2"] = SecondMoment.Code,
        };
        for (int i = 0; i < Parameters.Count; i++)
            foreach (var (suffix, t) in states[i].Named())
                state[Parameters[i].Name + suffix] = t;
        return state;
    }

    /// <inheritdoc/>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        step = OptimizerState.Scalar(state, "step", source);
        foreach (var (key, quantizer) in new[] { ("qmap1", FirstMoment), ("qmap2", SecondMoment) })
        {
            if (!state.TryGetValue(key, out var saved)) throw new SharpTuneException($"{source}: optimizer state '{key}' is missing (not an 8-bit optimizer's state?)");
            if (!saved.shape.SequenceEqual(quantizer.Code.shape) || !saved.to(ScalarType.Float32).cpu().eq(quantizer.Code).all().item<bool>())
                throw new SharpTuneException($"{source}: optimizer state '{key}' is not the dynamic quantization map this optimizer uses");
        }
        for (int i = 0; i < Parameters.Count; i++)
            foreach (var (suffix, t) in states[i].Named())
            {
                string key = Parameters[i].Name + suffix;
                OptimizerState.CopyInto(state, key, t, source);
            }
    }

    /// <summary>The state of one parameter: float32 moments, or uint8 codes with their block maxima.</summary>
    private sealed record ParameterState(bool Quantized, Tensor First, Tensor Second, Tensor? FirstAbsmax, Tensor? SecondAbsmax)
    {
        public static ParameterState For(Tensor p, bool paged)
        {
            if (p.numel() < MinQuantizedSize)
                return new(false, PagedState.Zeros(p, ScalarType.Float32, paged), PagedState.Zeros(p, ScalarType.Float32, paged), null, null);
            long[] blocks = [FirstMoment.BlocksFor(p.numel())];
            return new(true,
                PagedState.Zeros(p, ScalarType.Byte, paged), PagedState.Zeros(p, ScalarType.Byte, paged),
                PagedState.Zeros(blocks, p.device, ScalarType.Float32, paged), PagedState.Zeros(blocks, p.device, ScalarType.Float32, paged));
        }

        public IEnumerable<(string Suffix, Tensor Value)> Named() => Quantized
            ? [(".state1", First), (".absmax1", FirstAbsmax!), (".state2", Second), (".absmax2", SecondAbsmax!)]
            : [(".exp_avg", First), (".exp_avg_sq", Second)];
    }
}
