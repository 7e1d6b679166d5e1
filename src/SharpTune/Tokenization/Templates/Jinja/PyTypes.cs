namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>Python's names for the types of template values, as error messages print them.</summary>
internal static class PyTypes
{
    public static string Name(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        PyMarkup => "Markup",
        PyList l => l.Kind switch
        {
            PyListKind.List => "list",
            PyListKind.Tuple => "tuple",
            PyListKind.DictKeys => "dict_keys",
            PyListKind.DictValues => "dict_values",
            PyListKind.DictItems => "dict_items",
            _ => "range",
        },
        PyDict => "dict",
        PyNamespace => "Namespace",
        Undefined => "Undefined",
        PyCallable c => c.IsMacro ? "Macro" : "builtin_function_or_method",
        LoopContext => "LoopContext",
        PyIterator i => i.TypeName,
        _ => value.GetType().Name,
    };

    /// <summary>jinja2's <c>object_type_repr</c>: "dict object", "None", "jinja2.utils.Namespace object".</summary>
    public static string ObjectRepr(object? value) => value switch
    {
        null => "None",
        PyNamespace => "jinja2.utils.Namespace object",
        PyMarkup => "markupsafe.Markup object",
        LoopContext => "jinja2.runtime.LoopContext object",
        Undefined => "jinja2.runtime.Undefined object",
        PyCallable { IsMacro: true } => "jinja2.runtime.Macro object",
        _ => Name(value) + " object",
    };

    /// <summary>The text of a str or Markup (a str subclass in Python); false for anything else.</summary>
    public static bool TryText(object? v, out string text)
    {
        switch (v)
        {
            case string s: text = s; return true;
            case PyMarkup m: text = m.Value; return true;
            default: text = ""; return false;
        }
    }

    public static bool IsText(object? v) => v is string or PyMarkup;

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static bool IsInteger(object? v) => v is long or bool;

    /// <summary>An int (or bool) as a long; anything else is Python's TypeError.</summary>
    public static long AsLong(object? v) => v switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        _ => throw JinjaError.Type($"'{Name(v)}' object cannot be interpreted as an integer"),
    };

    /// <summary>A number as a double; anything else is Python's TypeError.</summary>
    public static double AsDouble(object? v) => v switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => throw JinjaError.Type($"must be real number, not {Name(v)}"),
    };
}
