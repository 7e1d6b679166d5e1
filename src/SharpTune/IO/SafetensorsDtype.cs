namespace SharpTune.IO;

/// <summary>
/// The element types a safetensors file can hold, spelled as in the file's header
/// (<c>"F32"</c>, <c>"BF16"</c>, ...). All are little-endian.
/// </summary>
public enum SafetensorsDtype
{
    /// <summary>32-bit IEEE float (<c>torch.float32</c>).</summary>
    F32,

    /// <summary>16-bit IEEE half float (<c>torch.float16</c>).</summary>
    F16,

    /// <summary>16-bit brain float (<c>torch.bfloat16</c>).</summary>
    BF16,

    /// <summary>Signed 8-bit integer (<c>torch.int8</c>).</summary>
    I8,

    /// <summary>Unsigned 8-bit integer (<c>torch.uint8</c>).</summary>
    U8,

    /// <summary>Signed 32-bit integer (<c>torch.int32</c>).</summary>
    I32,

    /// <summary>Signed 64-bit integer (<c>torch.int64</c>).</summary>
    I64,

    /// <summary>Boolean, one byte per element holding 0 or 1 (<c>torch.bool</c>).</summary>
    BOOL,

    /// <summary>64-bit IEEE float (<c>torch.float64</c>).</summary>
    F64,

    /// <summary>Signed 16-bit integer (<c>torch.int16</c>).</summary>
    I16,
}
