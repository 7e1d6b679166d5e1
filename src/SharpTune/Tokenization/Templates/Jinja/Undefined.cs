namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// jinja2's default <c>Undefined</c>: prints as nothing, is falsy, iterates as empty and has length 0;
/// any other use (arithmetic, attribute or item access, calling, comparing by order) raises with the message
/// that says how it came to be. An unsafe attribute (sandbox) is an Undefined whose error is a SecurityError.
/// </summary>
internal sealed class Undefined
{
    private static readonly object Missing = new();
    private readonly object? _obj;

    private Undefined(string? hint, object? obj, object? name, string kind)
    {
        Hint = hint;
        _obj = obj;
        Name = name;
        Kind = kind;
    }

    public string? Hint { get; }

    public object? Name { get; }

    /// <summary>The exception class raised when it is used: UndefinedError or SecurityError.</summary>
    public string Kind { get; }

    /// <summary>A name that is not defined.</summary>
    public static Undefined ForName(string name) => new(null, Missing, name, "UndefinedError");

    /// <summary>A missing attribute or item <paramref name="name"/> of <paramref name="obj"/>.</summary>
    public static Undefined ForMember(object? obj, object? name) => new(null, obj, name, "UndefinedError");

    /// <summary>An undefined value with a ready-made message (e.g. "No first item, sequence was empty.").</summary>
    public static Undefined WithHint(string hint) => new(hint, Missing, null, "UndefinedError");

    /// <summary>What the sandbox gives for an attribute it refuses.</summary>
    public static Undefined Unsafe(object? obj, string attribute) =>
        new($"access to attribute '{attribute}' of '{PyTypes.Name(obj)}' object is unsafe.", obj, attribute, "SecurityError");

    public string Message
    {
        get
        {
            if (Hint != null) return Hint;
            if (ReferenceEquals(_obj, Missing)) return $"{PyRepr.Repr(Name)} is undefined";
            if (Name is not string) return $"{PyTypes.ObjectRepr(_obj)} has no element {PyRepr.Repr(Name)}";
            return $"{PyRepr.Repr(PyTypes.ObjectRepr(_obj))} has no attribute {PyRepr.Repr(Name)}";
        }
    }

    /// <summary>Raises the error this value stands for.</summary>
    public JinjaError Fail() => new(Kind, Message);
}
