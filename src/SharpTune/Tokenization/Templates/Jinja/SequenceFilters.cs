namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// The filters over sequences and mappings: length, first, last, join, list, reverse, sort, unique, min, max,
/// sum, map, select/reject(attr), items, dictsort, batch, slice, groupby. Those that return generators in
/// jinja2 return a one-shot <see cref="PyIterator"/> here, so truthiness and <c>length</c> behave the same.
/// </summary>
internal static class SequenceFilters
{
    public static void Register(Dictionary<string, FilterFunction> t)
    {
        t["length"] = t["count"] = (_, v, a) =>
        {
            a.ExpectNone("length");
            return PyOps.Len(v);
        };
        t["list"] = (_, v, a) =>
        {
            a.ExpectNone("list");
            return new PyList([.. PyOps.ToList(v)]);
        };
        t["first"] = (_, v, a) =>
        {
            a.ExpectNone("first");
            foreach (var item in PyOps.Iterate(v)) return item;
            return Undefined.WithHint("No first item, sequence was empty.");
        };
        t["last"] = (_, v, a) =>
        {
            a.ExpectNone("last");
            var items = Reversed(v) ?? throw JinjaError.Type($"'{PyTypes.Name(v)}' object is not reversible");
            return items.Count > 0 ? items[0] : Undefined.WithHint("No last item, sequence was empty.");
        };
        t["join"] = (i, v, a) =>
        {
            var p = a.Bind("join", ["d", "attribute"], ["", null]);
            var items = PyOps.ToList(v);
            if (p[1] != null)
            {
                var getter = Filters.AttributeGetter(p[1]);
                items = items.Select(getter).ToList();
            }
            var strings = items.Select(PyRepr.Str).ToList();
            var sep = PyRepr.Str(p[0]);
            Limits.CheckString(strings.Sum(x => (long)x.Length) + (long)sep.Length * Math.Max(0, strings.Count - 1));
            return string.Join(sep, strings);
        };
        t["reverse"] = (_, v, a) =>
        {
            a.ExpectNone("reverse");
            if (v is string s) return string.Concat(PyText.Chars(s).Reverse());
            if (v is PyMarkup m) return new PyMarkup(string.Concat(PyText.Chars(m.Value).Reverse()));
            var reversed = Reversed(v);
            if (reversed != null) return new PyIterator(reversed, v is PyList { Kind: PyListKind.List } ? "list_reverseiterator" : "reversed");
            try
            {
                var items = PyOps.ToList(v);
                items.Reverse();
                return new PyList([.. items]);
            }
            catch (JinjaError e) when (e.Kind == "TypeError")
            {
                throw new JinjaError("FilterArgumentError", "argument must be iterable");
            }
        };
        t["sort"] = (_, v, a) =>
        {
            var p = a.Bind("sort", ["reverse", "case_sensitive", "attribute"], [false, false, null]);
            var key = MultiKey(p[2], !PyOps.Truthy(p[1]));
            return new PyList([.. Sorted(PyOps.ToList(v), key, PyOps.Truthy(p[0]))]);
        };
        t["unique"] = (_, v, a) =>
        {
            var p = a.Bind("unique", ["case_sensitive", "attribute"], [false, null]);
            var getter = Filters.AttributeGetter(p[1]);
            bool ignoreCase = !PyOps.Truthy(p[0]);
            var seen = new PyDict();
            var result = new List<object?>();
            foreach (var item in PyOps.Iterate(v))
            {
                var k = getter(item);
                if (ignoreCase) k = Filters.IgnoreCase(k);
                if (seen.ContainsKey(k)) continue;
                seen.Set(k, null);
                result.Add(item);
            }
            return new PyIterator(result);
        };
        t["min"] = (_, v, a) => MinMax(v, a, "min", -1);
        t["max"] = (_, v, a) => MinMax(v, a, "max", 1);
        t["sum"] = (_, v, a) =>
        {
            var p = a.Bind("sum", ["attribute", "start"], [null, 0L]);
            var getter = Filters.AttributeGetter(p[0]);
            if (PyTypes.IsText(p[1])) throw JinjaError.Type("sum() can't sum strings [use ''.join(seq) instead]");
            object? total = p[1];
            foreach (var item in PyOps.Iterate(v)) total = PyArithmetic.Binary("+", total, getter(item));
            return total;
        };
        t["map"] = Map;
        t["select"] = (i, v, a) => SelectOrReject(i, v, a, select: true, lookupAttribute: false);
        t["reject"] = (i, v, a) => SelectOrReject(i, v, a, select: false, lookupAttribute: false);
        t["selectattr"] = (i, v, a) => SelectOrReject(i, v, a, select: true, lookupAttribute: true);
        t["rejectattr"] = (i, v, a) => SelectOrReject(i, v, a, select: false, lookupAttribute: true);
        t["items"] = (_, v, a) =>
        {
            a.ExpectNone("items");
            if (v is Undefined) return new PyIterator([]);
            if (v is not PyDict d) throw JinjaError.Type("Can only get item pairs from a mapping.");
            return new PyIterator(d.Items.Select(kv => (object?)PyList.Tuple(kv.Key, kv.Value)).ToList());
        };
        t["dictsort"] = (_, v, a) =>
        {
            var p = a.Bind("dictsort", ["case_sensitive", "by", "reverse"], [false, "key", false]);
            int pos = p[1] switch
            {
                "key" => 0,
                "value" => 1,
                _ => throw new JinjaError("FilterArgumentError", "You can only sort by either \"key\" or \"value\""),
            };
            if (v is Undefined u) throw u.Fail();
            if (v is not PyDict d) throw JinjaError.Type($"'{PyTypes.Name(v)}' object has no attribute 'items'");
            bool ignoreCase = !PyOps.Truthy(p[0]);
            var pairs = d.Items.Select(kv => (object?)PyList.Tuple(kv.Key, kv.Value)).ToList();
            return new PyList([.. Sorted(pairs, x =>
            {
                var k = ((PyList)x!)[pos];
                return ignoreCase ? Filters.IgnoreCase(k) : k;
            }, PyOps.Truthy(p[2]))]);
        };
        t["batch"] = (_, v, a) =>
        {
            var p = a.Bind("batch", ["linecount", "fill_with"], [CallArguments.Required, null]);
            var batches = new List<object?>();
            var current = new List<object?>();
            foreach (var item in PyOps.Iterate(v))
            {
                if (PyOps.Eq((long)current.Count, p[0]))
                {
                    batches.Add(new PyList([.. current]));
                    current = [];
                }
                current.Add(item);
            }
            if (current.Count > 0)
            {
                if (p[1] != null && PyOps.Order("<", (long)current.Count, p[0]))
                {
                    var missing = PyArithmetic.Binary("-", p[0], (long)current.Count);
                    if (!PyTypes.IsInteger(missing)) throw JinjaError.Type($"can't multiply sequence by non-int of type '{PyTypes.Name(missing)}'");
                    for (long i = 0; i < PyTypes.AsLong(missing); i++) current.Add(p[1]);
                }
                batches.Add(new PyList([.. current]));
            }
            return new PyIterator(batches);
        };
        t["slice"] = (_, v, a) =>
        {
            var p = a.Bind("slice", ["slices", "fill_with"], [CallArguments.Required, null]);
            var seq = PyOps.ToList(v);
            long slices = PyTypes.AsLong(p[0]);
            if (slices <= 0) throw new JinjaError("ZeroDivisionError", "integer division or modulo by zero");
            int perSlice = (int)(seq.Count / slices), withExtra = (int)(seq.Count % slices), offset = 0;
            var result = new List<object?>();
            for (int n = 0; n < slices; n++)
            {
                int start = offset + n * perSlice;
                if (n < withExtra) offset++;
                int end = offset + (n + 1) * perSlice;
                var tmp = seq.GetRange(start, end - start);
                if (p[1] != null && n >= withExtra) tmp.Add(p[1]);
                result.Add(new PyList([.. tmp]));
            }
            return new PyIterator(result);
        };
        t["groupby"] = (_, v, a) =>
        {
            var p = a.Bind("groupby", ["attribute", "default", "case_sensitive"], [CallArguments.Required, null, false]);
            bool ignoreCase = !PyOps.Truthy(p[2]);
            var raw = Filters.AttributeGetter(p[0], p[1]);
            Func<object?, object?> key = x => ignoreCase ? Filters.IgnoreCase(raw(x)) : raw(x);
            var sorted = Sorted(PyOps.ToList(v), key, false);
            var groups = new List<object?>();
            for (int i = 0; i < sorted.Count;)
            {
                var k = key(sorted[i]);
                int j = i;
                while (j < sorted.Count && PyOps.Eq(key(sorted[j]), k)) j++;
                var members = sorted.GetRange(i, j - i);
                var grouper = ignoreCase ? raw(members[0]) : k;
                groups.Add(new PyList([grouper, new PyList([.. members])], PyListKind.Tuple) { FieldNames = ["grouper", "list"] });
                i = j;
            }
            return new PyList([.. groups]);
        };
    }

    /// <summary>Python's <c>reversed()</c> for sequences (list, tuple, range, dict and its views, str, Undefined); null when not reversible.</summary>
    private static List<object?>? Reversed(object? v)
    {
        switch (v)
        {
            case PyList l:
                var items = new List<object?>(l);
                items.Reverse();
                return items;
            case PyDict d:
                var keys = new List<object?>(d.Keys);
                keys.Reverse();
                return keys;
            case string or PyMarkup:
                return PyText.Chars(PyRepr.Str(v)).Reverse().Cast<object?>().ToList();
            case Undefined:
                return [];
            default:
                return null;
        }
    }

    private static Func<object?, object?> MultiKey(object? attribute, bool ignoreCase)
    {
        if (PyTypes.TryText(attribute, out var s) && s.Contains(','))
        {
            var getters = s.Split(',').Select(part => Filters.AttributeGetter(part)).ToArray();
            return x => new PyList(getters.Select(g => ignoreCase ? Filters.IgnoreCase(g(x)) : g(x)).ToArray());
        }
        var getter = Filters.AttributeGetter(attribute);
        return x => new PyList([ignoreCase ? Filters.IgnoreCase(getter(x)) : getter(x)]);
    }

    /// <summary>Python's stable <c>sorted(items, key, reverse)</c>.</summary>
    public static List<object?> Sorted(List<object?> items, Func<object?, object?> key, bool reverse)
    {
        var keyed = items.Select((x, i) => (Key: key(x), Item: x, Index: i)).ToList();
        try
        {
            keyed.Sort((x, y) =>
            {
                int c = reverse ? PyOps.SortCompare(y.Key, x.Key) : PyOps.SortCompare(x.Key, y.Key);
                return c != 0 ? c : x.Index.CompareTo(y.Index);
            });
        }
        catch (InvalidOperationException e) when (e.InnerException is JinjaError inner)
        {
            // List.Sort wraps what the comparer throws; surface Python's TypeError itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }
        return keyed.Select(k => k.Item).ToList();
    }

    private static object? MinMax(object? v, CallArguments a, string name, int sign)
    {
        var p = a.Bind(name, ["case_sensitive", "attribute"], [false, null]);
        var items = PyOps.ToList(v);
        if (items.Count == 0) return Undefined.WithHint("No aggregated item, sequence was empty.");
        var getter = Filters.AttributeGetter(p[1]);
        bool ignoreCase = !PyOps.Truthy(p[0]);
        object? best = items[0];
        object? bestKey = ignoreCase ? Filters.IgnoreCase(getter(best)) : getter(best);
        foreach (var item in items.Skip(1))
        {
            var k = ignoreCase ? Filters.IgnoreCase(getter(item)) : getter(item);
            if (PyOps.Order(sign > 0 ? ">" : "<", k, bestKey))
            {
                best = item;
                bestKey = k;
            }
        }
        return best;
    }

    private static object? Map(Interpreter interpreter, object? v, CallArguments a)
    {
        if (!PyOps.Truthy(v)) return new PyIterator([]);
        Func<object?, object?> func;
        if (a.Positional.Count == 0 && a.Keywords.Any(k => k.Key == "attribute"))
        {
            var p = a.Bind("map", ["attribute", "default"], [CallArguments.Required, null]);
            func = Filters.AttributeGetter(p[0], p[1]);
        }
        else
        {
            if (a.Positional.Count == 0) throw new JinjaError("FilterArgumentError", "map requires a filter argument");
            var name = StringMethods.Str(a.Positional[0], "map");
            var rest = a.Skip(1);
            func = item => interpreter.ApplyFilter(name, item, rest);
        }
        return new PyIterator(PyOps.Iterate(v).Select(func).ToList());
    }

    private static object? SelectOrReject(Interpreter interpreter, object? v, CallArguments a, bool select, bool lookupAttribute)
    {
        if (!PyOps.Truthy(v)) return new PyIterator([]);
        Func<object?, object?> transform = x => x;
        int offset = 0;
        if (lookupAttribute)
        {
            if (a.Positional.Count == 0) throw new JinjaError("FilterArgumentError", "Missing parameter for attribute name");
            transform = Filters.AttributeGetter(a.Positional[0]);
            offset = 1;
        }
        Func<object?, bool> test;
        if (a.Positional.Count > offset)
        {
            var name = StringMethods.Str(a.Positional[offset], "select");
            var rest = a.Skip(offset + 1);
            test = x => interpreter.ApplyTest(name, x, rest);
        }
        else test = PyOps.Truthy;
        var kept = new List<object?>();
        foreach (var item in PyOps.Iterate(v))
            if (test(transform(item)) == select) kept.Add(item);
        return new PyIterator(kept);
    }
}
