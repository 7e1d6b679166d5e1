namespace SharpTune.Data;

/// <summary>What happens to a tokenized sample longer than <c>sequence_len</c> (<c>excess_length_strategy:</c>).</summary>
/// <remarks>Text (pretraining) samples are always split into <c>sequence_len</c> pieces instead; each piece is counted.</remarks>
public enum ExcessLengthStrategy
{
    /// <summary>Drop the sample (the default, as axolotl does); counted as <c>exceeds_sequence_len</c>.</summary>
    Drop,
    /// <summary>Keep its first <c>sequence_len</c> tokens; counted as truncated.</summary>
    Truncate,
}
