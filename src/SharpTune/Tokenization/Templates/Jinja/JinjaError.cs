namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// An error raised while lexing, parsing or rendering a template. <see cref="Kind"/> names the Python/jinja2
/// exception it mirrors (TemplateSyntaxError, UndefinedError, TypeError, SecurityError, TemplateError, …);
/// the position is attached by the innermost node that sees it.
/// </summary>
internal sealed class JinjaError(string kind, string message, SourcePosition? position = null) : Exception(message)
{
    /// <summary>The Python exception class this error stands for.</summary>
    public string Kind { get; } = kind;

    /// <summary>Where in the template it happened, once known.</summary>
    public SourcePosition? Position { get; set; } = position;

    public static JinjaError Type(string message) => new("TypeError", message);

    public static JinjaError Value(string message) => new("ValueError", message);

    public static JinjaError Syntax(string message, SourcePosition position) => new("TemplateSyntaxError", message, position);

    public static JinjaError Limit(string message) => new("LimitError", message);
}
