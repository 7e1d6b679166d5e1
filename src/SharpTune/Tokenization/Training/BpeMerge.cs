namespace SharpTune.Tokenization.Training;

/// <summary>One learned merge: the two tokens (in the byte-level alphabet) whose concatenation became a token.</summary>
/// <param name="Left">The left token's text.</param>
/// <param name="Right">The right token's text.</param>
public readonly record struct BpeMerge(string Left, string Right)
{
    /// <summary>The merged token's text.</summary>
    public string Result => Left + Right;
}
