using TorchSharp;

namespace SharpTune.IO;

/// <summary>Facts about each <see cref="SafetensorsDtype"/>: its header spelling, element size and torch type.</summary>
internal static class SafetensorsDtypes
{
    /// <summary>Parses a header dtype string (case-sensitive, as the format defines it); false when unknown.</summary>
    public static bool TryParse(string text, out SafetensorsDtype dtype)
    {
        switch (text)
        {
            case "F32": dtype = SafetensorsDtype.F32; return true;
            case "F16": dtype = SafetensorsDtype.F16; return true;
            case "BF16": dtype = SafetensorsDtype.BF16; return true;
            case "I8": dtype = SafetensorsDtype.I8; return true;
            case "U8": dtype = SafetensorsDtype.U8; return true;
            case "I32": dtype = SafetensorsDtype.I32; return true;
            case "I64": dtype = SafetensorsDtype.I64; return true;
            case "BOOL": dtype = SafetensorsDtype.BOOL; return true;
            case "F64": dtype = SafetensorsDtype.F64; return true;
            case "I16": dtype = SafetensorsDtype.I16; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The header spelling of a dtype.</summary>
    public static string Name(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => "F32",
        SafetensorsDtype.F16 => "F16",
        SafetensorsDtype.BF16 => "BF16",
        SafetensorsDtype.I8 => "I8",
        SafetensorsDtype.U8 => "U8",
        SafetensorsDtype.I32 => "I32",
        SafetensorsDtype.I64 => "I64",
        SafetensorsDtype.BOOL => "BOOL",
        SafetensorsDtype.F64 => "F64",
        SafetensorsDtype.I16 => "I16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.I8 or SafetensorsDtype.U8 or SafetensorsDtype.BOOL => 1,
        SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.I16 => 2,
        SafetensorsDtype.F32 or SafetensorsDtype.I32 => 4,
        SafetensorsDtype.F64 or SafetensorsDtype.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The torch element type that holds this dtype's values bit for bit.</summary>
    public static torch.ScalarType ToScalarType(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => torch.ScalarType.Float32,
        SafetensorsDtype.F16 => torch.ScalarType.Float16,
        SafetensorsDtype.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDtype.I8 => torch.ScalarType.Int8,
        SafetensorsDtype.U8 => torch.ScalarType.Byte,
        SafetensorsDtype.I32 => torch.ScalarType.Int32,
        SafetensorsDtype.I64 => torch.ScalarType.Int64,
        SafetensorsDtype.BOOL => torch.ScalarType.Bool,
        SafetensorsDtype.F64 => torch.ScalarType.Float64,
        SafetensorsDtype.I16 => torch.ScalarType.Int16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The safetensors dtype for a torch element type; false for types the format cannot hold here (complex, quantized).</summary>
    public static bool TryFromScalarType(torch.ScalarType type, out SafetensorsDtype dtype)
    {
        switch (type)
        {
            case torch.ScalarType.Float32: dtype = SafetensorsDtype.F32; return true;
            case torch.ScalarType.Float16: dtype = SafetensorsDtype.F16; return true;
            case torch.ScalarType.BFloat16: dtype = SafetensorsDtype.BF16; return true;
            case torch.ScalarType.Int8: dtype = SafetensorsDtype.I8; return true;
            case torch.ScalarType.Byte: dtype = SafetensorsDtype.U8; return true;
            case torch.ScalarType.Int32: dtype = SafetensorsDtype.I32; return true;
            case torch.ScalarType.Int64: dtype = SafetensorsDtype.I64; return true;
            case torch.ScalarType.Bool: dtype = SafetensorsDtype.BOOL; return true;
            case torch.ScalarType.Float64: dtype = SafetensorsDtype.F64; return true;
            case torch.ScalarType.Int16: dtype = SafetensorsDtype.I16; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>Formats a shape the way Python prints it, e.g. <c>[2, 3]</c>.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
