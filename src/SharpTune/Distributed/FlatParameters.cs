using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// An ordered list of parameters seen as one flat vector (each flattened, end to end), so that collectives can move
/// any range of it through a fixed-size float32 bucket without ever building the whole vector: <see cref="Read"/>
/// copies a range of the values (or gradients) into a bucket, <see cref="Write"/> copies a bucket back.
/// </summary>
internal sealed class FlatParameters
{
    private readonly Parameter[] parameters;
    private readonly long[] offsets;

    public FlatParameters(IEnumerable<Parameter> parameters)
    {
        this.parameters = parameters.ToArray();
        offsets = new long[this.parameters.Length + 1];
        for (int i = 0; i < this.parameters.Length; i++) offsets[i + 1] = offsets[i] + this.parameters[i].numel();
    }

    /// <summary>The length of the flat vector.</summary>
    public long Length => offsets[^1];

    /// <summary>Which part of a parameter to move: its value or its gradient.</summary>
    public enum Part
    {
        /// <summary>The parameter's values.</summary>
        Value,
        /// <summary>Its gradient (read as zeros where it has none).</summary>
        Gradient,
    }

    /// <summary>Copies elements [<paramref name="start"/>, <paramref name="start"/> + length of <paramref name="bucket"/>) into <paramref name="bucket"/>; past the end, zeros.</summary>
    public void Read(long start, Tensor bucket, Part part)
    {
        using var noGrad = no_grad();
        long length = bucket.numel();
        if (start + length > Length) bucket.narrow(0, Math.Max(0, Length - start), Math.Min(length, start + length - Length)).zero_();
        foreach (var (p, from, at, count) in Overlaps(start, length))
        {
            using var scope = NewDisposeScope();
            var target = bucket.narrow(0, at, count);
            var source = part == Part.Value ? p : p.grad;
            if (source is null) target.zero_();
            else target.copy_(source.reshape(-1).narrow(0, from, count));
        }
    }

    /// <summary>Copies <paramref name="bucket"/> into elements [<paramref name="start"/>, …) (what lies past the end is dropped); a missing gradient is created.</summary>
    public void Write(long start, Tensor bucket, Part part)
    {
        using var noGrad = no_grad();
        foreach (var (p, from, at, count) in Overlaps(start, bucket.numel()))
        {
            using var scope = NewDisposeScope();
            Tensor target;
            if (part == Part.Value) target = p;
            else
            {
                if (p.grad is null) p.grad = zeros_like(p).DetachFromDisposeScope();
                target = p.grad!;
            }
            target.view(-1).narrow(0, from, count).copy_(bucket.narrow(0, at, count));
        }
    }

    /// <summary>The parameters that elements [start, start + length) touch: each with the offset in it, the offset in the range, and the count.</summary>
    private IEnumerable<(Parameter P, long From, long At, long Count)> Overlaps(long start, long length)
    {
        long end = Math.Min(start + length, Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            long lo = Math.Max(start, offsets[i]), hi = Math.Min(end, offsets[i + 1]);
            if (lo < hi) yield return (parameters[i], lo - offsets[i], lo - start, hi - lo);
        }
    }
}
