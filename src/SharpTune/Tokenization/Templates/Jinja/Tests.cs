namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>A test: <c>value is name(args)</c>.</summary>
internal delegate bool TestFunction(object? value, CallArguments args);

/// <summary>jinja2's built-in tests (defined, none, string, mapping, iterable, odd, divisibleby, equalto, in, …).</summary>
internal static class Tests
{
    public static readonly IReadOnlyDictionary<string, TestFunction> Table = Build();

    private static Dictionary<string, TestFunction> Build()
    {
        var t = new Dictionary<string, TestFunction>(StringComparer.Ordinal);
        void One(string name, Func<object?, bool> f) => t[name] = (v, a) =>
        {
            a.ExpectNone("test_" + name);
            return f(v);
        };
        void Two(string[] names, Func<object?, object?, bool> f)
        {
            foreach (var name in names)
                t[name] = (v, a) => f(v, a.Bind(name, ["other"], [CallArguments.Required])[0]);
        }
        One("odd", v => PyOps.Eq(PyArithmetic.Binary("%", v, 2L), 1L));
        One("even", v => PyOps.Eq(PyArithmetic.Binary("%", v, 2L), 0L));
        t["divisibleby"] = (v, a) => PyOps.Eq(PyArithmetic.Binary("%", v, a.Bind("divisibleby", ["num"], [CallArguments.Required])[0]), 0L);
        One("defined", v => v is not Undefined);
        One("undefined", v => v is Undefined);
        One("none", v => v is null);
        One("boolean", v => v is bool);
        One("false", v => v is false);
        One("true", v => v is true);
        One("integer", v => v is long);
        One("float", v => v is double);
        One("number", PyTypes.IsNumber);
        One("string", PyTypes.IsText);
        One("mapping", v => v is PyDict);
        One("lower", v => PyText.IsLower(PyRepr.Str(v)));
        One("upper", v => PyText.IsUpper(PyRepr.Str(v)));
        One("sequence", v => v is string or PyMarkup or PyDict or Undefined or PyList { Kind: PyListKind.List or PyListKind.Tuple or PyListKind.Range });
        One("iterable", v => v is string or PyMarkup or PyList or PyDict or Undefined or PyIterator or LoopContext);
        One("callable", v => v is PyCallable or Undefined or LoopContext);
        One("escaped", v => v is PyMarkup);
        One("filter", v => PyTypes.TryText(v, out var s) && Filters.Table.ContainsKey(s));
        One("test", v => PyTypes.TryText(v, out var s) && Table.ContainsKey(s));
        Two(["sameas"], SameAs);
        Two(["in"], (v, seq) => PyOps.Contains(seq, v));
        Two(["==", "eq", "equalto"], PyOps.Eq);
        Two(["!=", "ne"], (a, b) => !PyOps.Eq(a, b));
        Two([">", "gt", "greaterthan"], (a, b) => PyOps.Order(">", a, b));
        Two([">=", "ge"], (a, b) => PyOps.Order(">=", a, b));
        Two(["<", "lt", "lessthan"], (a, b) => PyOps.Order("<", a, b));
        Two(["<=", "le"], (a, b) => PyOps.Order("<=", a, b));
        return t;
    }

    /// <summary>Python's <c>is</c>: singletons and small ints are identical when equal; other values only when the same object.</summary>
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y && x is >= -5 and <= 256,
        _ => a != null && ReferenceEquals(a, b),
    };
}
