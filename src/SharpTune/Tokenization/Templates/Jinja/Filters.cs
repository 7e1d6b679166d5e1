namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>A filter: <c>value | name(args)</c>.</summary>
internal delegate object? FilterFunction(Interpreter interpreter, object? value, CallArguments args);

/// <summary>
/// jinja2's built-in filters, with transformers' <c>tojson</c> in place of jinja2's. Filters that only make sense
/// for HTML pages or are non-deterministic (random, urlize, wordwrap, …) are refused with a clear error.
/// </summary>
internal static class Filters
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> Table = Build();

    private static Dictionary<string, FilterFunction> Build()
    {
        var t = new Dictionary<string, FilterFunction>(StringComparer.Ordinal);
        TextFilters.Register(t);
        SequenceFilters.Register(t);
        NumberFilters.Register(t);
        t["tojson"] = (_, v, a) =>
        {
            var p = a.Bind("tojson", ["ensure_ascii", "indent", "separators", "sort_keys"], [false, null, null, false]);
            return PyJson.Dumps(v, PyOps.Truthy(p[0]), p[1], p[2], PyOps.Truthy(p[3]));
        };
        t["default"] = t["d"] = (_, v, a) =>
        {
            var p = a.Bind("default", ["default_value", "boolean"], ["", false]);
            return v is Undefined || (PyOps.Truthy(p[1]) && !PyOps.Truthy(v)) ? p[0] : v;
        };
        t["attr"] = (_, v, a) =>
        {
            var name = StringMethods.Str(a.Bind("attr", ["name"], [CallArguments.Required])[0], "attr");
            if (v is Undefined u) throw u.Fail();
            return Members.TryAttribute(v, name, out var value) ? value : Undefined.ForMember(v, name);
        };
        foreach (var name in new[] { "pprint", "random", "striptags", "urlencode", "urlize", "wordwrap", "xmlattr" })
            t[name] = (_, _, _) => throw JinjaError.Type($"the '{name}' filter is not supported in chat templates");
        return t;
    }

    /// <summary>jinja2's <c>make_attrgetter</c>: "a.b.0" looks up item a, then b, then index 0 (digits become ints).</summary>
    public static Func<object?, object?> AttributeGetter(object? attribute, object? defaultValue = null)
    {
        var parts = attribute switch
        {
            null => [],
            string or PyMarkup => PyRepr.Str(attribute).Split('.').Select(x => x.Length > 0 && x.All(char.IsAsciiDigit) ? (object?)long.Parse(x, System.Globalization.CultureInfo.InvariantCulture) : x).ToArray(),
            _ => [attribute],
        };
        return item =>
        {
            foreach (var part in parts)
            {
                item = Members.GetItem(item, part);
                if (defaultValue != null && item is Undefined) item = defaultValue;
            }
            return item;
        };
    }

    /// <summary>Lower-cases strings for the case-insensitive sorts and comparisons (<c>ignore_case</c>).</summary>
    public static object? IgnoreCase(object? v) => v switch
    {
        string s => PyText.Lower(s),
        PyMarkup m => new PyMarkup(PyText.Lower(m.Value)),
        _ => v,
    };
}
