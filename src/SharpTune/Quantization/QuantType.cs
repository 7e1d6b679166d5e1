namespace SharpTune.Quantization;

/// <summary>How frozen base weights are stored (transformers' BitsAndBytesConfig: <c>bnb_4bit_quant_type</c>, <c>load_in_8bit</c>).</summary>
public enum QuantType
{
    /// <summary>4-bit NormalFloat (QLoRA's code book, DESIGN.md), blockwise absmax.</summary>
    Nf4,

    /// <summary>4-bit float e2m1, blockwise absmax.</summary>
    Fp4,

    /// <summary>8-bit integers with one absmax scale per output row (weight-only int8).</summary>
    Int8,
}
