namespace SharpTune.Tokenization;

/// <summary>One turn of a conversation, as chat templates see it: a role (system, user, assistant, tool, …) and its text.</summary>
/// <param name="Role">Who speaks: <c>system</c>, <c>user</c>, <c>assistant</c>, or another role the template knows.</param>
/// <param name="Content">What they say.</param>
public sealed record ChatMessage(string Role, string Content);
