using System.CommandLine;
using SharpTune.Models;
using SharpTune.Quantization;

namespace SharpTune.Cli.Commands;

/// <summary>The quantization options of <c>quantize</c>, <c>info</c> and <c>merge</c>, under BitsAndBytesConfig's meanings.</summary>
internal sealed class QuantizationOptions
{
    public Option<string> QuantType { get; } = new("--quant-type")
    {
        Description = "nf4 (default), fp4 (4-bit, blocks of 64) or int8 (one scale per row)",
        DefaultValueFactory = _ => "nf4",
    };

    public Option<bool> DoubleQuant { get; } = new("--double-quant")
    {
        Description = "4-bit: quantize the absmax constants to 8 bits too (bnb_4bit_use_double_quant)",
    };

    public Option<string> ComputeDtype { get; } = new("--compute-dtype")
    {
        Description = "dtype weights are dequantized to for each matmul (bnb_4bit_compute_dtype): float32, bfloat16 or float16",
        DefaultValueFactory = _ => "float32",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(QuantType);
        command.Options.Add(DoubleQuant);
        command.Options.Add(ComputeDtype);
    }

    public QuantizationConfig Read(ParseResult result)
    {
        string type = result.GetValue(QuantType)!.Trim().ToLowerInvariant();
        var quantType = type switch
        {
            "nf4" => SharpTune.Quantization.QuantType.Nf4,
            "fp4" => SharpTune.Quantization.QuantType.Fp4,
            "int8" => SharpTune.Quantization.QuantType.Int8,
            _ => throw new SharpTuneException($"--quant-type: expected nf4, fp4 or int8, got '{type}'"),
        };
        bool doubleQuant = result.GetValue(DoubleQuant);
        if (doubleQuant && quantType == SharpTune.Quantization.QuantType.Int8) throw new SharpTuneException("--double-quant is for 4-bit types (nf4, fp4)");
        return new QuantizationConfig
        {
            Type = quantType,
            DoubleQuant = doubleQuant,
            ComputeDtype = DtypeNames.Parse(result.GetValue(ComputeDtype)!, "--compute-dtype"),
        };
    }
}
