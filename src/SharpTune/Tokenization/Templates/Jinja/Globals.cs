namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>jinja2's global functions: range (capped as in its sandbox), dict, namespace and joiner.</summary>
internal static class Globals
{
    public static Dictionary<string, object?> Create() => new(StringComparer.Ordinal)
    {
        ["range"] = new PyCallable("range", Range),
        ["dict"] = new PyCallable("dict", a => MakeDict(a, "dict")),
        ["namespace"] = new PyCallable("namespace", a =>
        {
            var ns = new PyNamespace();
            foreach (var (k, v) in MakeDict(a, "namespace").Items) ns.Attributes.Set(k, v);
            return ns;
        }),
        ["joiner"] = new PyCallable("joiner", a =>
        {
            var sep = a.Bind("joiner", ["sep"], [", "])[0];
            bool used = false;
            return new PyCallable("joiner", _ =>
            {
                if (used) return sep;
                used = true;
                return "";
            });
        }),
        ["cycler"] = new PyCallable("cycler", _ => throw JinjaError.Type("cycler() is not supported in chat templates; use loop.cycle")),
        ["lipsum"] = new PyCallable("lipsum", _ => throw JinjaError.Type("lipsum() is not supported in chat templates")),
    };

    private static object Range(CallArguments a)
    {
        if (a.Keywords.Count > 0) throw JinjaError.Type("range() takes no keyword arguments");
        var p = a.Positional;
        if (p.Count is < 1 or > 3) throw JinjaError.Type($"range expected at most 3 arguments, got {p.Count}");
        foreach (var x in p)
            if (!PyTypes.IsInteger(x)) throw JinjaError.Type($"'{PyTypes.Name(x)}' object cannot be interpreted as an integer");
        long start = p.Count == 1 ? 0 : PyTypes.AsLong(p[0]);
        long stop = PyTypes.AsLong(p.Count == 1 ? p[0] : p[1]);
        long step = p.Count == 3 ? PyTypes.AsLong(p[2]) : 1;
        if (step == 0) throw JinjaError.Value("range() arg 3 must not be zero");
        double count = step > 0 ? Math.Ceiling((stop - (double)start) / step) : Math.Ceiling((start - (double)stop) / -step);
        if (count > Limits.MaxRange)
            throw new JinjaError("OverflowError", $"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({Limits.MaxRange}).");
        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) items.Add(i);
        return new PyList([.. items], PyListKind.Range) { RangeArgs = (start, stop, step) };
    }

    /// <summary>Python's <c>dict(mapping_or_pairs, **kwargs)</c>.</summary>
    private static PyDict MakeDict(CallArguments a, string function)
    {
        if (a.Positional.Count > 1) throw JinjaError.Type($"{function} expected at most 1 argument, got {a.Positional.Count}");
        var d = new PyDict();
        if (a.Positional.Count == 1)
        {
            switch (a.Positional[0])
            {
                case PyDict source:
                    foreach (var (k, v) in source.Items) d.Set(k, v);
                    break;
                case var pairs:
                    int i = 0;
                    foreach (var item in PyOps.Iterate(pairs))
                    {
                        var pair = PyOps.ToList(item);
                        if (pair.Count != 2) throw JinjaError.Value($"dictionary update sequence element #{i} has length {pair.Count}; 2 is required");
                        d.Set(pair[0], pair[1]);
                        i++;
                    }
                    break;
            }
        }
        foreach (var (k, v) in a.Keywords) d.Set(k, v);
        return d;
    }
}
