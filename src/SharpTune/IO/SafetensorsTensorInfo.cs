namespace SharpTune.IO;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Dtype">The element type of the stored data.</param>
/// <param name="Shape">The dimensions; empty for a 0-d scalar.</param>
/// <param name="DataBegin">Start of the tensor's bytes, relative to the first byte after the header.</param>
/// <param name="DataEnd">End (exclusive) of the tensor's bytes, relative to the first byte after the header.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDtype Dtype, long[] Shape, long DataBegin, long DataEnd)
{
    /// <summary>How many bytes the tensor's data occupies (<see cref="DataEnd"/> − <see cref="DataBegin"/>).</summary>
    public long ByteCount => DataEnd - DataBegin;

    /// <summary>How many elements the tensor has (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dim in Shape) count *= dim;
            return count;
        }
    }
}
