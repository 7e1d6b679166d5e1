namespace SharpTune.Tokenization.Templates.Jinja;

internal sealed partial class Interpreter
{
    public object? Eval(Expr e, Scope scope)
    {
        try
        {
            return EvalCore(e, scope);
        }
        catch (JinjaError err) when (err.Position == null)
        {
            err.Position = e.Position;
            throw;
        }
    }

    private object? EvalCore(Expr e, Scope scope)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case ConstExpr c: return c.Value;
            case NameExpr n: return Lookup(n.Name, scope);
            case ListExpr l: return new PyList(l.Items.Select(x => Eval(x, scope)).ToArray());
            case TupleExpr t: return new PyList(t.Items.Select(x => Eval(x, scope)).ToArray(), PyListKind.Tuple);
            case DictExpr d:
                var dict = new PyDict();
                foreach (var (k, v) in d.Pairs) dict.Set(Eval(k, scope), Eval(v, scope));
                return dict;
            case GetAttrExpr g: return Members.GetAttr(Eval(g.Target, scope), g.Name);
            case GetItemExpr g when g.Key is SliceExpr s:
                return Members.Slice(Eval(g.Target, scope), EvalOptional(s.Start, scope), EvalOptional(s.Stop, scope), EvalOptional(s.Step, scope));
            case GetItemExpr g: return Members.GetItem(Eval(g.Target, scope), Eval(g.Key, scope));
            case SliceExpr: throw JinjaError.Type("a slice can only appear inside brackets");
            case CallExpr when _folding: throw new NotConstant();
            case FilterExpr f when _folding && ContextFilters.Contains(f.Name): throw new NotConstant();
            case CallExpr c: return Call(Eval(c.Callee, scope), EvalArguments(c.Arguments, scope));
            case FilterExpr f: return ApplyFilter(f, f.Operand == null ? null : Eval(f.Operand, scope), scope);
            case TestExpr t: return ApplyTest(t.Name, Eval(t.Operand, scope), EvalArguments(t.Arguments, scope));
            case UnaryExpr u:
                var operand = Eval(u.Operand, scope);
                return u.Operator switch
                {
                    "not" => !PyOps.Truthy(operand),
                    "-" => PyArithmetic.Negate(operand),
                    _ => PyArithmetic.Plus(operand),
                };
            case BinaryExpr { Operator: "and" } b:
                var left = Eval(b.Left, scope);
                return PyOps.Truthy(left) ? Eval(b.Right, scope) : left;
            case BinaryExpr { Operator: "or" } b:
                var first = Eval(b.Left, scope);
                return PyOps.Truthy(first) ? first : Eval(b.Right, scope);
            case BinaryExpr { Operator: "**" } b when FoldsToNegative(b.Left, out var negative) && !IsConstant(b.Right):
                // jinja2 folds the constant base and writes it into Python source as "-0.5 ** x", which Python reads as -(0.5 ** x).
                return PyArithmetic.Negate(PyArithmetic.Binary("**", PyArithmetic.Negate(negative), Eval(b.Right, scope)));
            case BinaryExpr b:
                return PyArithmetic.Binary(b.Operator, Eval(b.Left, scope), Eval(b.Right, scope));
            case ConcatExpr c:
                long total = 0;
                var parts = new List<string>(c.Parts.Count);
                foreach (var p in c.Parts)
                {
                    var s = PyRepr.Str(Eval(p, scope));
                    total += s.Length;
                    parts.Add(s);
                }
                Limits.CheckString(total);
                return string.Concat(parts);
            case CompareExpr c: return Compare(c, scope);
            case ConditionalExpr c:
                if (PyOps.Truthy(Eval(c.Test, scope))) return Eval(c.Then, scope);
                return c.Otherwise != null
                    ? Eval(c.Otherwise, scope)
                    : Undefined.WithHint($"the inline if-expression on line {c.Position.Line} evaluated to false and no else section was defined.");
            case NamespaceRefExpr r: return Members.GetAttr(Lookup(r.Name, scope), r.Attribute);
            default: throw new InvalidOperationException("unknown expression " + e.GetType().Name);
        }
    }

    private object? EvalOptional(Expr? e, Scope scope) => e == null ? null : Eval(e, scope);

    /// <summary>Filters jinja2 never folds at compile time (they need the render context).</summary>
    private static readonly HashSet<string> ContextFilters = ["map", "select", "reject", "selectattr", "rejectattr", "random"];

    private sealed class NotConstant : Exception;

    private bool _folding;

    /// <summary>Whether jinja2's optimizer would fold <paramref name="e"/> to a constant: no variables, no calls, no context filters, no error.</summary>
    private bool TryFold(Expr e, out object? value)
    {
        bool outer = _folding;
        _folding = true;
        try
        {
            value = Eval(e, new Scope(null));
            return true;
        }
        catch (Exception ex) when (ex is NotConstant or JinjaError)
        {
            value = null;
            return false;
        }
        finally
        {
            _folding = outer;
        }
    }

    private bool IsConstant(Expr e) => TryFold(e, out _);

    private bool FoldsToNegative(Expr e, out object? value)
    {
        if (!TryFold(e, out value)) return false;
        return value switch
        {
            long l => l < 0,
            double d => double.IsNegative(d) && !double.IsNaN(d),
            _ => false,
        };
    }

    private object? Lookup(string name, Scope scope)
    {
        if (_folding) throw new NotConstant();
        if (scope.TryGet(name, out var value)) return value;
        if (_globals.TryGetValue(name, out value)) return value;
        return Undefined.ForName(name);
    }

    private bool Compare(CompareExpr c, Scope scope)
    {
        var left = Eval(c.First, scope);
        foreach (var (op, operandExpr) in c.Rest)
        {
            var right = Eval(operandExpr, scope);
            bool ok = op switch
            {
                "==" => PyOps.Eq(left, right),
                "!=" => !PyOps.Eq(left, right),
                "in" => PyOps.Contains(right, left),
                "notin" => !PyOps.Contains(right, left),
                _ => PyOps.Order(op, left, right),
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    private CallArguments EvalArguments(ArgumentList a, Scope scope)
    {
        if (a.Positional.Count == 0 && a.Keywords.Count == 0 && a.DynamicPositional == null && a.DynamicKeywords == null) return CallArguments.None;
        var positional = a.Positional.Select(x => Eval(x, scope)).ToList();
        var keywords = a.Keywords.Select(k => new KeyValuePair<string, object?>(k.Name, Eval(k.Value, scope))).ToList();
        if (a.DynamicPositional != null) positional.AddRange(PyOps.ToList(Eval(a.DynamicPositional, scope)));
        if (a.DynamicKeywords != null)
        {
            if (Eval(a.DynamicKeywords, scope) is not PyDict extra) throw JinjaError.Type("argument after ** must be a mapping");
            foreach (var (k, v) in extra.Items)
            {
                if (k is not string key) throw JinjaError.Type("keywords must be strings");
                keywords.Add(new(key, v));
            }
        }
        return new CallArguments(positional, keywords);
    }

    public static object? Call(object? callee, CallArguments args) => callee switch
    {
        PyCallable c => c.Invoke(args),
        Undefined u => throw u.Fail(),
        _ => throw JinjaError.Type($"'{PyTypes.Name(callee)}' object is not callable"),
    };

    private object? ApplyFilter(FilterExpr f, object? value, Scope scope) =>
        ApplyFilter(f.Name, value, EvalArguments(f.Arguments, scope));

    /// <summary>Runs filter <paramref name="name"/> (also used by <c>map</c>).</summary>
    public object? ApplyFilter(string name, object? value, CallArguments args)
    {
        if (!Filters.Table.TryGetValue(name, out var filter)) throw new JinjaError("TemplateAssertionError", $"No filter named '{name}'.");
        return filter(this, value, args);
    }

    /// <summary>Runs test <paramref name="name"/> (also used by <c>select</c> and friends).</summary>
    public bool ApplyTest(string name, object? value, CallArguments args)
    {
        if (!Tests.Table.TryGetValue(name, out var test)) throw new JinjaError("TemplateAssertionError", $"No test named '{name}'.");
        return test(value, args);
    }
}
