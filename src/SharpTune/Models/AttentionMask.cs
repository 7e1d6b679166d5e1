using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Which keys each query may attend to: causal order, padding, packed samples, and an optional sliding window,
/// in the boolean form torch's scaled_dot_product_attention takes (true = attend).
/// </summary>
/// <remarks>
/// The attention mask holds one value per position: 0 for padding and, as axolotl's sample packing writes it,
/// the 1-based index of the sample the token belongs to, so that a row packing several samples keeps attention
/// inside each one. A plain 0/1 padding mask is the one-sample case. <see cref="SharedSegment"/> marks positions
/// every sample of the row may attend to (virtual tokens of prompt methods, placed once before packed samples).
/// </remarks>
public static class AttentionMask
{
    /// <summary>The mask value of a position that every sample of its row attends to (causal order still applies).</summary>
    public const long SharedSegment = -1;

    /// <summary>
    /// The mask for <paramref name="queryLength"/> new positions after <paramref name="pastLength"/> cached ones.
    /// Returns (null, true) when plain causal attention suffices (the fast SDPA path), (null, false) when every
    /// query may see every key, else a [batch, 1, query, key] boolean mask.
    /// </summary>
    /// <param name="padding">[batch, past + query]: 0 for padding, <see cref="SharedSegment"/> for positions all samples see, else the token's sample index (1 when unpacked); or null.</param>
    /// <param name="queryLength">New positions in this forward pass.</param>
    /// <param name="pastLength">Positions already in the KV cache.</param>
    /// <param name="slidingWindow">Attend only to the last this-many positions, or null.</param>
    /// <param name="device">Where the mask is needed.</param>
    public static (Tensor? Mask, bool IsCausal) Build(Tensor? padding, long queryLength, long pastLength, long? slidingWindow, Device device)
    {
        long keyLength = pastLength + queryLength;
        bool windowBites = slidingWindow is { } w && keyLength > w;
        if (padding is null && !windowBites)
        {
            if (pastLength == 0) return (null, queryLength > 1);
            if (queryLength == 1) return (null, false);
        }

        using var scope = NewDisposeScope();
        var queryPos = arange(pastLength, keyLength, device: device).unsqueeze(1);   // [Q, 1]
        var keyPos = arange(0, keyLength, device: device).unsqueeze(0);              // [1, K]
        var allowed = keyPos <= queryPos;
        if (windowBites) allowed = allowed.logical_and(keyPos > queryPos - slidingWindow!.Value);
        var mask = allowed.unsqueeze(0).unsqueeze(0);                                // [1, 1, Q, K]
        if (padding is not null)
        {
            var segments = padding.to(ScalarType.Int64).to(device);
            var keySegment = segments.unsqueeze(1).unsqueeze(1);                            // [B, 1, 1, K]
            var querySegment = segments.narrow(1, pastLength, queryLength).unsqueeze(1).unsqueeze(-1); // [B, 1, Q, 1]
            var visible = keySegment.eq(querySegment).logical_or(keySegment.eq(SharedSegment));
            mask = mask.logical_and(visible).logical_and(keySegment.ne(0));
        }
        // A query that may see nothing (a padding position) would give NaN; let it see everything.
        // Its output is never used, and this keeps the numbers finite.
        var blind = mask.any(-1, keepdim: true).logical_not();
        mask = mask.logical_or(blind);
        return (mask.MoveToOuterDisposeScope(), false);
    }
}
