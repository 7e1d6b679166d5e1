namespace SharpTune;

/// <summary>
/// An error in what the user gave us (a file, a config key, a command-line value), with a message
/// that names the culprit. The CLI prints the message alone, without a stack trace.
/// </summary>
public class SharpTuneException : Exception
{
    /// <summary>Creates the error with a message that names the file, key or value at fault.</summary>
    public SharpTuneException(string message) : base(message) { }

    /// <summary>Creates the error with a message and the lower-level cause.</summary>
    public SharpTuneException(string message, Exception inner) : base(message, inner) { }
}
