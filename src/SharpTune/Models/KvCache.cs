using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Keys and values of past positions for every layer, preallocated to a fixed capacity so that each
/// generation step writes in place instead of concatenating. Shapes are [batch, kv_heads, capacity, head_dim].
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    /// <summary>Allocates room for <paramref name="capacity"/> positions of <paramref name="config"/>'s layers.</summary>
    public KvCache(ModelConfig config, long batch, long capacity, ScalarType dtype, Device device)
    {
        Capacity = capacity;
        keys = new Tensor[config.NumHiddenLayers];
        values = new Tensor[config.NumHiddenLayers];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype: dtype, device: device).DetachFromDisposeScope();
            values[i] = zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype: dtype, device: device).DetachFromDisposeScope();
        }
    }

    /// <summary>Positions stored so far.</summary>
    public long Length { get; private set; }

    /// <summary>Positions the cache can hold.</summary>
    public long Capacity { get; }

    /// <summary>Stores <paramref name="key"/> and <paramref name="value"/> ([batch, kv_heads, new, head_dim]) after the
    /// past positions of <paramref name="layer"/>; returns views over past + new.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor key, Tensor value)
    {
        long added = key.shape[2];
        if (Length + added > Capacity)
            throw new SharpTuneException($"KV cache full: {Length} + {added} positions exceed its capacity of {Capacity}");
        keys[layer].narrow(2, Length, added).copy_(key);
        values[layer].narrow(2, Length, added).copy_(value);
        return (keys[layer].narrow(2, 0, Length + added), values[layer].narrow(2, 0, Length + added));
    }

    /// <summary>Marks <paramref name="added"/> new positions as stored (after every layer has appended them).</summary>
    public void Advance(long added) => Length += added;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in keys) t.Dispose();
        foreach (var t in values) t.Dispose();
    }
}
