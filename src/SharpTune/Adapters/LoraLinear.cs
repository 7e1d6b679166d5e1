using SharpTune.Quantization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// A linear layer with a low-rank update (Hu et al., 2021): y = base(x) + B(A(dropout(x))) · scaling, with the base
/// frozen and only A [r, in] and B [out, r] trained. Its submodules are named as peft names them in memory
/// (<c>base_layer</c>, <c>lora_A</c>, <c>lora_B</c>, without peft's adapter-name level), so the parameters read
/// <c>…q_proj.base_layer.weight</c>, <c>…q_proj.lora_A.weight</c>, <c>…q_proj.lora_B.weight</c>.
/// A and B are float32 whatever the base dtype (peft's default <c>autocast_adapter_dtype</c>); the LoRA path runs in
/// float32 and the sum is cast back to the base output's dtype, as peft does.
/// The base may be a <see cref="QuantizedLinear"/> (QLoRA): its weight stays quantized until <see cref="Merge"/>, which
/// replaces it with a plain linear layer holding the dequantized weight plus the update.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> baseLayer;
    private readonly Linear loraA;
    private readonly Linear loraB;
    private readonly Dropout? dropout;
    private readonly Scalar scalingScalar;   // held, not implicit: an implicit Scalar may be finalized mid-call

    /// <summary>Wraps <paramref name="baseLayer"/> with a rank-<paramref name="rank"/> update; A and B are zero until <see cref="ResetParameters"/>.</summary>
    /// <param name="baseLayer">The layer to adapt; it is frozen (requires_grad off) here.</param>
    /// <param name="rank">r.</param>
    /// <param name="scaling">The factor on B·A (alpha / r, or alpha / √r with rsLoRA).</param>
    /// <param name="dropout">Dropout probability on the LoRA path's input.</param>
    public LoraLinear(Linear baseLayer, int rank, double scaling, double dropout)
        : this(baseLayer, baseLayer?.weight!.shape[1] ?? 0, baseLayer?.weight!.shape[0] ?? 0, baseLayer?.weight!.device, rank, scaling, dropout)
    {
    }

    /// <summary>Wraps a quantized base layer (QLoRA) with a rank-<paramref name="rank"/> update; A and B are zero until <see cref="ResetParameters"/>.</summary>
    /// <param name="baseLayer">The frozen quantized layer to adapt.</param>
    /// <param name="rank">r.</param>
    /// <param name="scaling">The factor on B·A (alpha / r, or alpha / √r with rsLoRA).</param>
    /// <param name="dropout">Dropout probability on the LoRA path's input.</param>
    public LoraLinear(QuantizedLinear baseLayer, int rank, double scaling, double dropout)
        : this(baseLayer, baseLayer?.InFeatures ?? 0, baseLayer?.OutFeatures ?? 0, baseLayer?.Weight.Device, rank, scaling, dropout)
    {
    }

    private LoraLinear(nn.Module<Tensor, Tensor>? baseLayer, long inFeatures, long outFeatures, Device? device, int rank, double scaling, double dropout)
        : base(nameof(LoraLinear))
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        this.baseLayer = baseLayer;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Rank = rank;
        Scaling = scaling;
        scalingScalar = scaling.ToScalar();
        loraA = nn.Linear(InFeatures, rank, hasBias: false, device: device, dtype: ScalarType.Float32);
        loraB = nn.Linear(rank, OutFeatures, hasBias: false, device: device, dtype: ScalarType.Float32);
        using (no_grad())
        {
            loraA.weight!.zero_();
            loraB.weight!.zero_();
        }
        register_module("base_layer", baseLayer);
        if (dropout > 0)
        {
            this.dropout = nn.Dropout(dropout);
            register_module("lora_dropout", this.dropout);
        }
        register_module("lora_A", loraA);
        register_module("lora_B", loraB);
        foreach (var p in baseLayer.parameters()) p.requires_grad = false;
    }

    /// <summary>The wrapped layer (transformers' weight, now under <c>base_layer</c>).</summary>
    /// <exception cref="InvalidOperationException">The base is quantized and not merged (see <see cref="QuantizedBase"/>).</exception>
    public Linear BaseLayer => baseLayer as Linear
        ?? throw new InvalidOperationException("the base layer is quantized; use QuantizedBase");

    /// <summary>The wrapped quantized layer (QLoRA), or null when the base is a plain linear layer.</summary>
    public QuantizedLinear? QuantizedBase => baseLayer as QuantizedLinear;

    /// <summary>A [r, in], float32.</summary>
    public Parameter LoraA => loraA.weight!;

    /// <summary>B [out, r], float32.</summary>
    public Parameter LoraB => loraB.weight!;

    /// <summary>r.</summary>
    public int Rank { get; }

    /// <summary>The factor on B·A.</summary>
    public double Scaling { get; }

    /// <summary>The base layer's input width.</summary>
    public long InFeatures { get; }

    /// <summary>The base layer's output width.</summary>
    public long OutFeatures { get; }

    /// <summary>Whether the update is currently added into the base weight (then forward is the base layer alone).</summary>
    public bool Merged { get; private set; }

    /// <summary>Whether forward adds the update; when false the layer computes exactly its base layer (the reference model of DPO and PPO, without a second copy).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Starts A as <paramref name="init"/> says, from <paramref name="generator"/> (a CPU generator, so the values are
    /// the same on every device), and B at zero, so that the layer computes exactly what the base layer does.
    /// </summary>
    public void ResetParameters(LoraInit init, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var values = empty(Rank, InFeatures, ScalarType.Float32);
        if (init == LoraInit.Gaussian) values.normal_(0.0, 1.0 / Rank, generator);
        else
        {
            // kaiming_uniform_(A, a=√5): gain √(2/(1+5)), bound = gain·√3/√fan_in = 1/√in.
            double bound = 1.0 / Math.Sqrt(InFeatures);
            values.uniform_(-bound, bound, generator);
        }
        LoraA.copy_(values);
        LoraB.zero_();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        if (Merged && !Enabled) throw new InvalidOperationException("a merged LoRA layer cannot be disabled; unmerge it first");
        if (Merged || !Enabled) return baseLayer.forward(x);
        using var scope = NewDisposeScope();
        var result = baseLayer.forward(x);
        var input = x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);
        if (dropout is not null) input = dropout.forward(input);
        var update = loraB.forward(loraA.forward(input).mul(scalingScalar));   // scaled at rank width: r values per token, not out
        var sum = result + update;
        return (sum.dtype == result.dtype ? sum : sum.to(result.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>The update as a weight: (B·A) · scaling, [out, in], float32.</summary>
    public Tensor DeltaWeight()
    {
        using var _ = no_grad();
        using var product = LoraB.matmul(LoraA);
        return product.mul(scalingScalar);
    }

    /// <summary>
    /// Adds the update into the base weight (W += scaling·B·A, computed in float32 and stored in W's dtype). A quantized
    /// base is first replaced by a linear layer holding its dequantized weight in the dtype it had before quantization
    /// (it is not quantized again).
    /// </summary>
    /// <exception cref="InvalidOperationException">Already merged.</exception>
    public void Merge()
    {
        if (Merged) throw new InvalidOperationException("the LoRA update is already merged");
        using var _ = no_grad();
        if (baseLayer is QuantizedLinear quantized)
        {
            baseLayer = quantized.ToLinear(quantized.Weight.Dtype);
            _internal_submodules["base_layer"] = baseLayer;
            quantized.Dispose();
        }
        using var delta = DeltaWeight();
        BaseLayer.weight!.add_(delta);
        Merged = true;
    }

    /// <summary>Takes the update back out of the base weight (exact in float32 up to rounding; lossy in bf16/fp16).</summary>
    /// <exception cref="InvalidOperationException">Not merged.</exception>
    public void Unmerge()
    {
        if (!Merged) throw new InvalidOperationException("the LoRA update is not merged");
        using var _ = no_grad();
        using var delta = DeltaWeight();
        BaseLayer.weight!.sub_(delta);
        Merged = false;
    }

    /// <summary>
    /// Hands back the base layer and frees A and B, for unloading: the layer must not be used afterwards, and is
    /// not disposed as a whole because that would dispose the base layer it returns.
    /// </summary>
    internal nn.Module<Tensor, Tensor> ReleaseBase()
    {
        loraA.Dispose();
        loraB.Dispose();
        dropout?.Dispose();
        return baseLayer;
    }
}
