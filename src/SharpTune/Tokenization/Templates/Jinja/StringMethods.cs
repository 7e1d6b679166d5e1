namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The methods of Python's <c>str</c> that templates call: strip, split, startswith, replace, format, ….</summary>
internal static class StringMethods
{
    public static PyCallable? Get(string s, string name)
    {
        Func<CallArguments, object?>? body = name switch
        {
            "strip" => a => PyText.Strip(s, Chars(a, "strip"), true, true),
            "lstrip" => a => PyText.Strip(s, Chars(a, "lstrip"), true, false),
            "rstrip" => a => PyText.Strip(s, Chars(a, "rstrip"), false, true),
            "split" => a => SplitCall(s, a, "split", PyText.Split),
            "rsplit" => a => SplitCall(s, a, "rsplit", PyText.RSplit),
            "splitlines" => a =>
            {
                var p = a.Bind("splitlines", ["keepends"], [false]);
                return StringList(PyText.SplitLines(s, PyOps.Truthy(p[0])));
            },
            "startswith" => a => Affix(s, a, "startswith", fromEnd: false),
            "endswith" => a => Affix(s, a, "endswith", fromEnd: true),
            "upper" => a => NoArgs(a, "upper", PyText.Upper(s)),
            "lower" => a => NoArgs(a, "lower", PyText.Lower(s)),
            "casefold" => a => NoArgs(a, "casefold", PyText.Lower(s)),
            "title" => a => NoArgs(a, "title", PyText.Title(s)),
            "capitalize" => a => NoArgs(a, "capitalize", PyText.Capitalize(s)),
            "swapcase" => a => NoArgs(a, "swapcase", PyText.SwapCase(s)),
            "replace" => a =>
            {
                var p = a.Bind("replace", ["old", "new", "count"], [CallArguments.Required, CallArguments.Required, -1L]);
                return PyText.Replace(s, Str(p[0], "replace"), Str(p[1], "replace"), Int(p[2], "replace"));
            },
            "find" => a => FindCall(s, a, "find", false, raise: false),
            "rfind" => a => FindCall(s, a, "rfind", true, raise: false),
            "index" => a => FindCall(s, a, "index", false, raise: true),
            "rindex" => a => FindCall(s, a, "rindex", true, raise: true),
            "count" => a =>
            {
                var p = a.Bind("count", ["sub", "start", "end"], [CallArguments.Required, null, null]);
                return PyText.Count(s, Str(p[0], "count"), p[1], p[2]);
            },
            "join" => a =>
            {
                var p = a.Bind("join", ["iterable"], [CallArguments.Required]);
                var items = PyOps.ToList(p[0]);
                for (int i = 0; i < items.Count; i++)
                    if (!PyTypes.IsText(items[i])) throw JinjaError.Type($"sequence item {i}: expected str instance, {PyTypes.Name(items[i])} found");
                var texts = items.Select(PyRepr.Str).ToList();
                Limits.CheckString(texts.Sum(x => (long)x.Length) + (long)s.Length * Math.Max(0, items.Count - 1));
                return string.Join(s, texts);
            },
            "format" => a => PyFormat.Format(s, a, Members.GetAttr, Members.GetItem),
            "center" => a => Justify(s, a, "center", PyText.Center),
            "ljust" => a => Justify(s, a, "ljust", PyText.LJust),
            "rjust" => a => Justify(s, a, "rjust", PyText.RJust),
            "zfill" => a =>
            {
                var p = a.Bind("zfill", ["width"], [CallArguments.Required]);
                return PyText.ZFill(s, Int(p[0], "zfill"));
            },
            "partition" => a => Partition(s, a, "partition", fromRight: false),
            "rpartition" => a => Partition(s, a, "rpartition", fromRight: true),
            "removeprefix" => a =>
            {
                var p = Str(a.Bind("removeprefix", ["prefix"], [CallArguments.Required])[0], "removeprefix");
                return p.Length > 0 && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s;
            },
            "removesuffix" => a =>
            {
                var p = Str(a.Bind("removesuffix", ["suffix"], [CallArguments.Required])[0], "removesuffix");
                return p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s;
            },
            "isdigit" => a => NoArgs(a, name, PyText.All(s, PyText.IsDigit)),
            "isdecimal" => a => NoArgs(a, name, PyText.All(s, PyText.IsDecimal)),
            "isnumeric" => a => NoArgs(a, name, PyText.All(s, PyText.IsNumeric)),
            "isalpha" => a => NoArgs(a, name, PyText.All(s, PyText.IsAlpha)),
            "isalnum" => a => NoArgs(a, name, PyText.All(s, PyText.IsAlnum)),
            "isspace" => a => NoArgs(a, name, PyText.All(s, PyText.IsSpace)),
            "isascii" => a => NoArgs(a, name, s.All(c => c < 0x80)),
            "isprintable" => a => NoArgs(a, name, PyText.CodePoints(s).All(PyText.IsPrintable)),
            "isupper" => a => NoArgs(a, name, PyText.IsUpper(s)),
            "islower" => a => NoArgs(a, name, PyText.IsLower(s)),
            "istitle" => a => NoArgs(a, name, PyText.IsTitle(s)),
            _ => null,
        };
        return body == null ? null : new PyCallable(name, body);
    }

    private static object NoArgs(CallArguments a, string name, object result)
    {
        a.ExpectNone(name);
        return result;
    }

    public static string Str(object? v, string function) =>
        PyTypes.TryText(v, out var s) ? s : throw JinjaError.Type($"{function}() argument must be str, not {PyTypes.Name(v)}");

    private static long Int(object? v, string function) =>
        PyTypes.IsInteger(v) ? PyTypes.AsLong(v) : throw JinjaError.Type($"{function}() argument must be an integer, not '{PyTypes.Name(v)}'");

    private static string? Chars(CallArguments a, string function)
    {
        var p = a.Bind(function, ["chars"], [null]);
        if (p[0] == null) return null;
        return PyTypes.TryText(p[0], out var c) ? c : throw JinjaError.Type($"{function} arg must be None or str");
    }

    private static PyList StringList(IEnumerable<string> parts) => new(parts.Cast<object?>().ToArray());

    private static object SplitCall(string s, CallArguments a, string function, Func<string, string?, long, List<string>> split)
    {
        var p = a.Bind(function, ["sep", "maxsplit"], [null, -1L]);
        string? sep = p[0] == null ? null : Str(p[0], function);
        if (!PyTypes.IsInteger(p[1])) throw JinjaError.Type($"'{PyTypes.Name(p[1])}' object cannot be interpreted as an integer");
        return StringList(split(s, sep, PyTypes.AsLong(p[1])));
    }

    private static object Affix(string s, CallArguments a, string function, bool fromEnd)
    {
        var p = a.Bind(function, ["prefix", "start", "end"], [CallArguments.Required, null, null]);
        var (start, end) = PyText.Bounds(s, p[1], p[2]);
        if (end < start) return false;
        var window = s[PyText.ToUtf16Index(s, start)..PyText.ToUtf16Index(s, end)];
        IEnumerable<object?> options = p[0] is PyList { Kind: PyListKind.Tuple } t ? t : [p[0]];
        foreach (var o in options)
        {
            if (!PyTypes.TryText(o, out var affix))
                throw JinjaError.Type($"{function} first arg must be str or a tuple of str, not {PyTypes.Name(o)}");
            if (fromEnd ? window.EndsWith(affix, StringComparison.Ordinal) : window.StartsWith(affix, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static object FindCall(string s, CallArguments a, string function, bool fromRight, bool raise)
    {
        var p = a.Bind(function, ["sub", "start", "end"], [CallArguments.Required, null, null]);
        long k = PyText.Find(s, Str(p[0], function), p[1], p[2], fromRight);
        if (k < 0 && raise) throw JinjaError.Value("substring not found");
        return k;
    }

    private static object Justify(string s, CallArguments a, string function, Func<string, long, string, string> justify)
    {
        var p = a.Bind(function, ["width", "fillchar"], [CallArguments.Required, " "]);
        var fill = Str(p[1], function);
        if (PyText.Length(fill) != 1) throw JinjaError.Type("The fill character must be exactly one character long");
        return justify(s, Int(p[0], function), fill);
    }

    private static object Partition(string s, CallArguments a, string function, bool fromRight)
    {
        var sep = Str(a.Bind(function, ["sep"], [CallArguments.Required])[0], function);
        if (sep.Length == 0) throw JinjaError.Value("empty separator");
        int k = fromRight ? s.LastIndexOf(sep, StringComparison.Ordinal) : s.IndexOf(sep, StringComparison.Ordinal);
        if (k < 0) return fromRight ? PyList.Tuple("", "", s) : PyList.Tuple(s, "", "");
        return PyList.Tuple(s[..k], sep, s[(k + sep.Length)..]);
    }
}
