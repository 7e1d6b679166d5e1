namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// markupsafe's <c>Markup</c>, the "safe" string that <c>|safe</c> and <c>|escape</c> return: it prints as its
/// text, but what is added to it (<c>+</c>, <c>%</c>, <c>join</c>, <c>replace</c>'s new text, …) is HTML-escaped
/// first, and its repr inside a list is <c>Markup('…')</c> — as in jinja2.
/// </summary>
internal sealed class PyMarkup(string value)
{
    public string Value { get; } = value;

    /// <summary>markupsafe's <c>escape</c>: Markup stays as it is; anything else is str()'d and escaped.</summary>
    public static PyMarkup Escape(object? v) => v as PyMarkup ?? new PyMarkup(EscapeText(PyRepr.Str(v)));

    public static string EscapeText(string s) =>
        s.Replace("&", "&amp;").Replace(">", "&gt;").Replace("<", "&lt;").Replace("'", "&#39;").Replace("\"", "&#34;");

    /// <summary>Markup's methods: those returning text return Markup, with the arguments they insert escaped.</summary>
    public static PyCallable? Method(PyMarkup m, string name)
    {
        var plain = StringMethods.Get(m.Value, name);
        if (plain == null) return null;
        Func<CallArguments, object?> body = name switch
        {
            "capitalize" or "title" or "lower" or "upper" or "swapcase" or "casefold" or "zfill" or "strip" or "lstrip" or "rstrip"
                or "removeprefix" or "removesuffix" => a => new PyMarkup((string)plain.Invoke(a)!),
            "replace" => a => new PyMarkup((string)plain.Invoke(EscapeArgument(a, 1))!),
            "ljust" or "rjust" or "center" => a => new PyMarkup((string)plain.Invoke(EscapeArgument(a, 1))!),
            "split" or "rsplit" or "splitlines" => a => new PyList(((PyList)plain.Invoke(a)!).Select(x => (object?)new PyMarkup((string)x!)).ToArray()),
            "partition" or "rpartition" => a => PyList.Tuple(((PyList)plain.Invoke(a)!).Select(x => (object?)new PyMarkup((string)x!)).ToArray()),
            "join" => a =>
            {
                var items = PyOps.ToList(a.Bind("join", ["iterable"], [CallArguments.Required])[0]);
                return new PyMarkup(string.Join(m.Value, items.Select(x => Escape(x).Value)));
            },
            "format" => a => new PyMarkup(PyFormat.Format(m.Value, EscapeAll(a), Members.GetAttr, Members.GetItem)),
            _ => plain.Invoke,
        };
        return new PyCallable(name, body);
    }

    private static CallArguments EscapeArgument(CallArguments a, int index)
    {
        if (a.Positional.Count <= index) return a;
        var positional = a.Positional.ToArray();
        positional[index] = Escape(positional[index]).Value;
        return new CallArguments(positional, a.Keywords);
    }

    private static CallArguments EscapeAll(CallArguments a) =>
        new(a.Positional.Select(x => (object?)(x is string or PyMarkup ? Escape(x).Value : x)).ToArray(),
            a.Keywords.Select(k => new KeyValuePair<string, object?>(k.Key, k.Value is string or PyMarkup ? Escape(k.Value).Value : k.Value)).ToArray());

    /// <summary><c>markup % args</c>: each argument is escaped as it is formatted.</summary>
    public static PyMarkup Percent(PyMarkup format, object? args) =>
        new(PyFormat.Percent(format.Value, args, x => Escape(x).Value, x => EscapeText(PyRepr.Repr(x))));
}
