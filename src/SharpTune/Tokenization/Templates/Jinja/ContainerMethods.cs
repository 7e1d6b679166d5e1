namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The non-mutating methods of dict (items, keys, values, get, copy) and list/tuple (index, count, copy).</summary>
internal static class ContainerMethods
{
    public static PyCallable? DictMethod(PyDict d, string name) => name switch
    {
        "items" => new PyCallable("items", a =>
        {
            a.ExpectNone("items");
            return new PyList(d.Items.Select(kv => (object?)PyList.Tuple(kv.Key, kv.Value)).ToArray(), PyListKind.DictItems);
        }),
        "keys" => new PyCallable("keys", a =>
        {
            a.ExpectNone("keys");
            return new PyList(d.Keys.ToArray(), PyListKind.DictKeys);
        }),
        "values" => new PyCallable("values", a =>
        {
            a.ExpectNone("values");
            return new PyList(d.Values.ToArray(), PyListKind.DictValues);
        }),
        "get" => new PyCallable("get", a =>
        {
            if (a.Keywords.Count > 0) throw JinjaError.Type("dict.get() takes no keyword arguments");
            var p = a.Bind("get", ["key", "default"], [CallArguments.Required, null]);
            return d.TryGet(p[0], out var v) ? v : p[1];
        }),
        "copy" => new PyCallable("copy", a =>
        {
            a.ExpectNone("copy");
            var copy = new PyDict();
            foreach (var (k, v) in d.Items) copy.Set(k, v);
            return copy;
        }),
        _ => null,
    };

    public static PyCallable? ListMethod(PyList list, string name)
    {
        if (list.Kind is not (PyListKind.List or PyListKind.Tuple)) return null;
        return name switch
        {
            "index" => new PyCallable("index", a =>
            {
                var p = a.Bind("index", ["value", "start", "stop"], [CallArguments.Required, 0L, (long)list.Count]);
                long start = Clamp(PyTypes.AsLong(p[1]), list.Count), stop = Clamp(PyTypes.AsLong(p[2]), list.Count);
                for (long i = start; i < stop; i++) if (PyOps.Eq(list[(int)i], p[0])) return i;
                throw JinjaError.Value($"{PyRepr.Repr(p[0])} is not in list");
            }),
            "count" => new PyCallable("count", a =>
            {
                var p = a.Bind("count", ["value"], [CallArguments.Required]);
                return (long)list.Count(x => PyOps.Eq(x, p[0]));
            }),
            "copy" when list.Kind == PyListKind.List => new PyCallable("copy", a =>
            {
                a.ExpectNone("copy");
                return new PyList(list.Items.ToArray());
            }),
            _ => null,
        };
    }

    private static long Clamp(long i, int count)
    {
        if (i < 0) i = Math.Max(0, i + count);
        return Math.Min(i, count);
    }
}
