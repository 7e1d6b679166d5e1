namespace SharpTune.Data;

/// <summary>A preference pair: prompt + chosen reply and prompt + rejected reply, each labelled on the reply only.</summary>
/// <param name="Chosen">The preferred sequence.</param>
/// <param name="Rejected">The dispreferred sequence.</param>
public sealed record TokenizedPair(TokenizedSample Chosen, TokenizedSample Rejected);
