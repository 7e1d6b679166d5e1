using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Rotary position embedding (Su et al., 2021) in the half-split layout transformers uses, with the
/// llama3 and linear frequency scalings. Holds no parameters; frequencies are computed in fp32 as HF does.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly Tensor invFreqCpu;
    private readonly double positionScale;
    private Tensor? invFreqOnDevice;

    /// <summary>Builds the inverse frequencies for <paramref name="config"/>'s head_dim, rope_theta and rope_scaling.</summary>
    public RotaryEmbedding(ModelConfig config)
    {
        invFreqCpu = InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        positionScale = config.RopeScaling is { Type: "linear" } s ? 1.0 / s.Factor : 1.0;
    }

    /// <summary>The per-pair rotation frequencies, fp32 on the CPU, shape [head_dim / 2].</summary>
    public Tensor InverseFrequenciesCpu => invFreqCpu;

    /// <summary>theta^(-2i/d), then the llama3 smooth rescaling of long wavelengths when configured.</summary>
    public static Tensor InverseFrequencies(long headDim, double theta, RopeScaling? scaling)
    {
        var exponents = arange(0, headDim, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / headDim;
        var invFreq = 1.0f / pow(tensor((float)theta), exponents);
        if (scaling is not { Type: "llama3" }) return invFreq;

        double lowWavelen = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        double highWavelen = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        var wavelen = 2 * Math.PI / invFreq;
        // Long wavelengths (low frequencies) are stretched by the factor; short ones are kept.
        var scaled = where(wavelen > lowWavelen, invFreq / scaling.Factor, invFreq);
        // In between, interpolate smoothly between the two.
        var smooth = (scaling.OriginalMaxPositionEmbeddings / wavelen - scaling.LowFreqFactor)
                     / (scaling.HighFreqFactor - scaling.LowFreqFactor);
        var smoothed = (1 - smooth) * scaled / scaling.Factor + smooth * scaled;
        var medium = (wavelen >= highWavelen).logical_and(wavelen <= lowWavelen);
        return where(medium, smoothed, scaled);
    }

    /// <summary>cos and sin tables for <paramref name="positionIds"/> [batch, seq], shape [batch, seq, head_dim], in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, ScalarType dtype)
    {
        if (invFreqOnDevice is null || invFreqOnDevice.device != positionIds.device)
        {
            invFreqOnDevice?.Dispose();
            invFreqOnDevice = invFreqCpu.to(positionIds.device).DetachFromDisposeScope();
        }
        using var scope = NewDisposeScope();
        var positions = positionIds.to(ScalarType.Float32);
        if (positionScale != 1.0) positions = positions * positionScale;
        var freqs = positions.unsqueeze(-1) * invFreqOnDevice;           // [B, T, D/2]
        var emb = cat([freqs, freqs], -1);                               // [B, T, D]
        return (emb.cos().to(dtype).MoveToOuterDisposeScope(), emb.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, seq, head_dim] by the tables from <see cref="Tables"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([-x2, x1], -1);
        return (x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1)).MoveToOuterDisposeScope();
    }
}
