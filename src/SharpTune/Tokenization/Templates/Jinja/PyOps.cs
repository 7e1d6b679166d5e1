namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>Python's truthiness, equality, hashing, ordering, membership, length and iteration for template values.</summary>
internal static class PyOps
{
    public static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        PyMarkup m => m.Value.Length > 0,
        PyList l => l.Count > 0,
        PyDict d => d.Count > 0,
        Undefined => false,
        _ => true,
    };

    public static bool Eq(object? a, object? b)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (PyTypes.IsNumber(a) && PyTypes.IsNumber(b))
        {
            if (PyTypes.IsInteger(a) && PyTypes.IsInteger(b)) return PyTypes.AsLong(a) == PyTypes.AsLong(b);
            return PyTypes.AsDouble(a) == PyTypes.AsDouble(b);
        }
        switch (a)
        {
            case null: return b is null;
            case string or PyMarkup: return PyTypes.TryText(a, out var s) && PyTypes.TryText(b, out var t) && s == t;
            case PyList x when b is PyList y:
                if (SequenceClass(x) != SequenceClass(y) || x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++) if (!Eq(x[i], y[i])) return false;
                return true;
            case PyDict x when b is PyDict y:
                if (x.Count != y.Count) return false;
                foreach (var (k, v) in x.Items)
                    if (!y.TryGet(k, out var w) || !Eq(v, w)) return false;
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    private static int SequenceClass(PyList l) => l.Kind switch
    {
        PyListKind.List => 0,
        PyListKind.Tuple => 1,
        PyListKind.Range => 2,
        _ => 3 + (int)l.Kind,
    };

    public static int Hash(object? v)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (v)
        {
            case null: return 0x1234;
            case bool b: return (b ? 1L : 0L).GetHashCode();
            case long l: return l.GetHashCode();
            case double d:
                if (d == Math.Floor(d) && Math.Abs(d) < 9.2e18) return ((long)d).GetHashCode();
                return d.GetHashCode();
            case string s: return s.GetHashCode();
            case PyMarkup m: return m.Value.GetHashCode();
            case PyList { Kind: PyListKind.Tuple } t:
                var h = new HashCode();
                foreach (var item in t) h.Add(Hash(item));
                return h.ToHashCode();
            case Undefined: return 0x5678;
            default: return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v);
        }
    }

    /// <summary>Raises Python's TypeError for values that cannot be dict keys (lists, dicts, tuples holding them).</summary>
    public static void CheckHashable(object? key)
    {
        switch (key)
        {
            case PyList { Kind: PyListKind.Tuple } t:
                foreach (var item in t) CheckHashable(item);
                break;
            case PyList or PyDict:
                throw JinjaError.Type($"unhashable type: '{PyTypes.Name(key)}'");
        }
    }

    /// <summary>Python's <c>len()</c>.</summary>
    public static long Len(object? v) => v switch
    {
        string s => PyText.Length(s),
        PyMarkup m => PyText.Length(m.Value),
        PyList l => l.Count,
        PyDict d => d.Count,
        Undefined => 0,
        LoopContext loop => loop.Length,
        _ => throw JinjaError.Type($"object of type '{PyTypes.Name(v)}' has no len()"),
    };

    /// <summary>Python's <c>iter()</c>: a list's items, a dict's keys, a string's characters; Undefined is empty.</summary>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        PyList l => l,
        PyDict d => d.Keys,
        string s => PyText.Chars(s),
        PyMarkup m => PyText.Chars(m.Value),
        Undefined => [],
        PyIterator it => it.Drain(),
        _ => throw JinjaError.Type($"'{PyTypes.Name(v)}' object is not iterable"),
    };

    /// <summary>Materializes <see cref="Iterate"/>, bounded.</summary>
    public static List<object?> ToList(object? v)
    {
        var list = new List<object?>();
        foreach (var item in Iterate(v))
        {
            list.Add(item);
            if (list.Count > Limits.MaxListLength) Limits.CheckList(list.Count);
        }
        return list;
    }

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string or PyMarkup:
                PyTypes.TryText(container, out var s);
                if (!PyTypes.TryText(item, out var sub)) throw JinjaError.Type($"'in <string>' requires string as left operand, not {PyTypes.Name(item)}");
                return s.Contains(sub, StringComparison.Ordinal);
            case PyDict d: return d.ContainsKey(item);
            case PyList { Kind: PyListKind.DictKeys } keys:
                CheckHashable(item);
                foreach (var x in keys) if (Eq(x, item)) return true;
                return false;
            case PyList l:
                foreach (var x in l) if (Eq(x, item)) return true;
                return false;
            case PyIterator it:
                foreach (var x in it.Drain()) if (Eq(x, item)) return true;
                return false;
            case Undefined: return false;
            default: throw JinjaError.Type($"argument of type '{PyTypes.Name(container)}' is not iterable");
        }
    }

    /// <summary>Python's ordering (&lt;, &lt;=, &gt;, &gt;=); mixed types raise TypeError as in Python.</summary>
    public static bool Order(string op, object? a, object? b)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined u2) throw u2.Fail();
        if (PyTypes.IsNumber(a) && PyTypes.IsNumber(b))
        {
            if (PyTypes.IsInteger(a) && PyTypes.IsInteger(b)) return Holds(op, PyTypes.AsLong(a).CompareTo(PyTypes.AsLong(b)));
            double x = PyTypes.AsDouble(a), y = PyTypes.AsDouble(b);
            return op switch { "<" => x < y, "<=" => x <= y, ">" => x > y, _ => x >= y };
        }
        if (PyTypes.TryText(a, out var s) && PyTypes.TryText(b, out var t)) return Holds(op, PyText.Compare(s, t));
        if (a is PyList p && b is PyList q && SequenceClass(p) == SequenceClass(q) && p.Kind is PyListKind.List or PyListKind.Tuple)
        {
            for (int i = 0; i < Math.Min(p.Count, q.Count); i++)
                if (!Eq(p[i], q[i])) return Order(op, p[i], q[i]);
            return Holds(op, p.Count.CompareTo(q.Count));
        }
        throw JinjaError.Type($"'{op}' not supported between instances of '{PyTypes.Name(a)}' and '{PyTypes.Name(b)}'");
    }

    private static bool Holds(string op, int cmp) => op switch
    {
        "<" => cmp < 0,
        "<=" => cmp <= 0,
        ">" => cmp > 0,
        _ => cmp >= 0,
    };

    /// <summary>A total order for sorting (Python's <c>sorted</c> uses &lt;; mixed types raise).</summary>
    public static int SortCompare(object? a, object? b) => Order("<", a, b) ? -1 : Order("<", b, a) ? 1 : 0;
}
