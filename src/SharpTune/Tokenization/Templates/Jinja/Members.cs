namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Attribute (<c>x.name</c>) and item (<c>x[key]</c>, <c>x[a:b]</c>) access as jinja2's sandbox does it:
/// <c>.name</c> tries the attribute (a method of str, dict or list) then the item; <c>[key]</c> the other way
/// round; anything missing is <see cref="Undefined"/>; dunder attributes and mutating methods are refused.
/// </summary>
internal static class Members
{
    private static readonly HashSet<string> UnsafeDictMethods = ["clear", "pop", "popitem", "setdefault", "update"];
    private static readonly HashSet<string> UnsafeListMethods = ["append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove"];

    public static object? GetAttr(object? obj, string name)
    {
        if (obj is Undefined u) throw u.Fail();
        if (TryAttribute(obj, name, out var value)) return value;
        if (obj is PyDict d && d.TryGet(name, out value)) return value;
        return Undefined.ForMember(obj, name);
    }

    public static object? GetItem(object? obj, object? key)
    {
        if (obj is Undefined u) throw u.Fail();
        switch (obj)
        {
            case PyDict d:
                try
                {
                    if (d.TryGet(key, out var value)) return value;
                }
                catch (JinjaError e) when (e.Kind == "TypeError")
                {
                    // unhashable key: Python's TypeError, which the sandbox turns into undefined
                }
                break;
            case PyList { IsSubscriptable: true } list when PyTypes.IsInteger(key):
                long i = PyTypes.AsLong(key);
                if (i < 0) i += list.Count;
                if (i >= 0 && i < list.Count) return list[(int)i];
                break;
            case PyMarkup m when PyTypes.IsInteger(key):
                var ch = GetItem(m.Value, key);
                return ch is string c ? new PyMarkup(c) : Undefined.ForMember(obj, key);
            case string s when PyTypes.IsInteger(key):
                long k = PyTypes.AsLong(key);
                if (!PyText.HasSurrogates(s))
                {
                    if (k < 0) k += s.Length;
                    if (k >= 0 && k < s.Length) return s[(int)k].ToString();
                }
                else
                {
                    var chars = PyText.Chars(s);
                    if (k < 0) k += chars.Length;
                    if (k >= 0 && k < chars.Length) return chars[k];
                }
                break;
        }
        if (key is string name && TryAttribute(obj, name, out var attr)) return attr;
        return Undefined.ForMember(obj, key);
    }

    /// <summary><c>obj[start:stop:step]</c> with Python's slice rules.</summary>
    public static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        if (obj is Undefined u) throw u.Fail();
        foreach (var v in new[] { start, stop, step })
            if (v != null && !PyTypes.IsInteger(v)) return Undefined.ForMember(obj, "slice");
        long st = step == null ? 1 : PyTypes.AsLong(step);
        if (st == 0) throw JinjaError.Value("slice step cannot be zero");
        switch (obj)
        {
            case PyMarkup m:
                return Slice(m.Value, start, stop, step) is string sliced ? new PyMarkup(sliced) : Undefined.ForMember(obj, "slice");
            case string s:
                var cps = PyText.Chars(s);
                return string.Concat(SliceIndices(cps.Length, start, stop, st).Select(i => cps[i]));
            case PyList { IsSubscriptable: true } list:
                var items = SliceIndices(list.Count, start, stop, st).Select(i => list[i]).ToArray();
                return new PyList(items, list.Kind == PyListKind.Tuple ? PyListKind.Tuple : PyListKind.List);
            default:
                return Undefined.ForMember(obj, "slice");
        }
    }

    private static IEnumerable<int> SliceIndices(int length, object? start, object? stop, long step)
    {
        long Adjust(object? v, long fallback)
        {
            if (v == null) return fallback;
            long x = PyTypes.AsLong(v);
            if (x < 0)
            {
                x += length;
                if (x < 0) x = step < 0 ? -1 : 0;
            }
            else if (x >= length) x = step < 0 ? length - 1 : length;
            return x;
        }
        long a = Adjust(start, step < 0 ? length - 1 : 0);
        long b = Adjust(stop, step < 0 ? -1 : length);
        for (long i = a; step > 0 ? i < b : i > b; i += step) yield return (int)i;
    }

    /// <summary>The attribute lookup half: methods, namespace and loop attributes, and the sandbox's refusals.</summary>
    public static bool TryAttribute(object? obj, string name, out object? value)
    {
        value = null;
        if (name.Length > 4 && name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal))
        {
            value = Undefined.Unsafe(obj, name);
            return true;
        }
        switch (obj)
        {
            case string s:
                value = StringMethods.Get(s, name);
                return value != null;
            case PyMarkup m:
                value = PyMarkup.Method(m, name);
                return value != null;
            case PyDict d:
                if (UnsafeDictMethods.Contains(name))
                {
                    value = Undefined.Unsafe(obj, name);
                    return true;
                }
                value = ContainerMethods.DictMethod(d, name);
                return value != null;
            case PyList { FieldNames: { } fields } named when Array.IndexOf(fields, name) >= 0:
                value = named[Array.IndexOf(fields, name)];
                return true;
            case PyList list:
                if (list.Kind == PyListKind.List && UnsafeListMethods.Contains(name))
                {
                    value = Undefined.Unsafe(obj, name);
                    return true;
                }
                value = ContainerMethods.ListMethod(list, name);
                return value != null;
            case PyNamespace ns:
                return ns.Attributes.TryGet(name, out value);
            case LoopContext loop:
                value = loop.GetAttribute(name);
                return value is not Undefined;
            default:
                return false;
        }
    }
}
