namespace SharpTune.Training.Optimization;

/// <summary>
/// The optimizers a config's <c>optimizer</c> key can name, under transformers' <c>OptimizerNames</c> (which axolotl
/// passes through), and the optimizer each one builds: <c>adamw</c> (also <c>adamw_torch</c>,
/// <c>adamw_torch_fused</c>), <c>sgd</c>, <c>adamw_8bit</c> (also <c>adamw_bnb_8bit</c>, bitsandbytes' AdamW with
/// 8-bit blockwise state), <c>paged_adamw_32bit</c> and <c>paged_adamw_8bit</c> (the same with the state in host memory).
/// </summary>
public static class OptimizerChoice
{
    /// <summary>Every accepted name.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["adamw", "adamw_torch", "adamw_torch_fused", "sgd", "adamw_8bit", "adamw_bnb_8bit", "paged_adamw_32bit", "paged_adamw_8bit"];

    /// <summary>The accepted names as an error message lists them.</summary>
    public const string Expected = "adamw (adamw_torch, adamw_torch_fused), sgd, adamw_8bit (adamw_bnb_8bit), paged_adamw_32bit or paged_adamw_8bit";

    /// <summary>Whether <paramref name="name"/> keeps 8-bit blockwise state.</summary>
    public static bool Is8Bit(string name) => name is "adamw_8bit" or "adamw_bnb_8bit" or "paged_adamw_8bit";

    /// <summary>Whether <paramref name="name"/> keeps its state in host memory.</summary>
    public static bool IsPaged(string name) => name.StartsWith("paged_", StringComparison.Ordinal);

    /// <summary>The optimizer <paramref name="config"/> names, over <paramref name="parameters"/>.</summary>
    public static IOptimizer Create(TrainConfig config, IReadOnlyList<TrainableParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(config);
        string name = config.Optimizer;
        if (!Names.Contains(name)) throw new SharpTuneException($"{config.ConfigFile}: optimizer: expected {Expected}, got '{name}'");
        if (name == "sgd") return new Sgd(parameters, config.SgdMomentum, config.WeightDecay);
        return Is8Bit(name)
            ? new AdamW8bit(parameters, config.WeightDecay, config.AdamBeta1, config.AdamBeta2, config.AdamEpsilon, IsPaged(name))
            : new AdamW(parameters, config.WeightDecay, config.AdamBeta1, config.AdamBeta2, config.AdamEpsilon, IsPaged(name));
    }

    /// <summary>
    /// The bytes of optimizer state <paramref name="name"/> keeps for a trained tensor of <paramref name="elements"/>
    /// values once it has stepped: AdamW 8 (two float32 moments), SGD 4 with momentum (else 0), 8-bit AdamW 2 plus two
    /// float32 block maxima per 256 values (8 below <see cref="AdamW8bit.MinQuantizedSize"/> elements).
    /// The 8-bit optimizers also hold the two 256-entry float32 maps once (<see cref="SharedStateBytes"/>).
    /// </summary>
    public static long StateBytes(string name, long elements, double sgdMomentum)
    {
        if (name == "sgd") return sgdMomentum != 0 ? 4 * elements : 0;
        if (!Is8Bit(name) || elements < AdamW8bit.MinQuantizedSize) return 8 * elements;
        long blocks = (elements + AdamW8bit.BlockSize - 1) / AdamW8bit.BlockSize;
        return 2 * elements + 2 * 4 * blocks;
    }

    /// <summary>State held once per optimizer rather than per tensor: the 8-bit optimizers' two code books.</summary>
    public static long SharedStateBytes(string name) => Is8Bit(name) ? 2 * 4 * Quantization.DynamicQuantizationMap.Size : 0;
}
