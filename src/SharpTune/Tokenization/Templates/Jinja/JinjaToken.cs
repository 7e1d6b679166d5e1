namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The kinds of token jinja2's lexer produces (raw blocks and comments are folded into data or dropped).</summary>
internal enum JinjaTokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One token: its kind, text (for names, operators, data and strings) or number, and where it starts.</summary>
internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Text, object? Value, SourcePosition Position)
{
    public bool IsName(string name) => Kind == JinjaTokenKind.Name && Text == name;

    public bool IsOperator(string op) => Kind == JinjaTokenKind.Operator && Text == op;

    /// <summary>How jinja2 describes the token in "expected …" errors.</summary>
    public string Describe() => Kind switch
    {
        JinjaTokenKind.Eof => "end of template",
        JinjaTokenKind.BlockEnd => "end of statement block",
        JinjaTokenKind.VariableEnd => "end of print statement",
        JinjaTokenKind.BlockBegin => "begin of statement block",
        JinjaTokenKind.VariableBegin => "begin of print statement",
        JinjaTokenKind.Data => "template data / text",
        JinjaTokenKind.String => "string",
        JinjaTokenKind.Integer => "integer",
        JinjaTokenKind.Float => "float",
        _ => Text,
    };
}
