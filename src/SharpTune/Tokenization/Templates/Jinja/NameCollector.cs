namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>Collects the variable names a piece of template reads (to know whether a macro uses varargs, kwargs or caller).</summary>
internal static class NameCollector
{
    public static void Collect(IEnumerable<Stmt> body, HashSet<string> names)
    {
        foreach (var s in body) Collect(s, names);
    }

    private static void Collect(Stmt s, HashSet<string> names)
    {
        switch (s)
        {
            case OutputStmt o: Collect(o.Value, names); break;
            case IfStmt i: Collect(i.Test, names); Collect(i.Body, names); Collect(i.Else, names); break;
            case ForStmt f: Collect(f.Iterable, names); if (f.Filter != null) Collect(f.Filter, names); Collect(f.Body, names); Collect(f.Else, names); break;
            case SetStmt set: Collect(set.Value, names); break;
            case SetBlockStmt sb: if (sb.Filter != null) Collect(sb.Filter, names); Collect(sb.Body, names); break;
            case CallBlockStmt cb: Collect(cb.Call, names); break;
            case FilterBlockStmt fb: Collect(fb.Filter, names); Collect(fb.Body, names); break;
            case WithStmt w: foreach (var (_, v) in w.Assignments) Collect(v, names); Collect(w.Body, names); break;
            case ScopeStmt sc: Collect(sc.Body, names); break;
        }
    }

    private static void Collect(Expr? e, HashSet<string> names)
    {
        switch (e)
        {
            case null: break;
            case NameExpr n: names.Add(n.Name); break;
            case ListExpr l: foreach (var x in l.Items) Collect(x, names); break;
            case TupleExpr t: foreach (var x in t.Items) Collect(x, names); break;
            case DictExpr d: foreach (var (k, v) in d.Pairs) { Collect(k, names); Collect(v, names); } break;
            case GetAttrExpr g: Collect(g.Target, names); break;
            case GetItemExpr g: Collect(g.Target, names); Collect(g.Key, names); break;
            case SliceExpr s: Collect(s.Start, names); Collect(s.Stop, names); Collect(s.Step, names); break;
            case CallExpr c: Collect(c.Callee, names); Collect(c.Arguments, names); break;
            case FilterExpr f: Collect(f.Operand, names); Collect(f.Arguments, names); break;
            case TestExpr t: Collect(t.Operand, names); Collect(t.Arguments, names); break;
            case UnaryExpr u: Collect(u.Operand, names); break;
            case BinaryExpr b: Collect(b.Left, names); Collect(b.Right, names); break;
            case ConcatExpr c: foreach (var x in c.Parts) Collect(x, names); break;
            case CompareExpr c: Collect(c.First, names); foreach (var (_, x) in c.Rest) Collect(x, names); break;
            case ConditionalExpr c: Collect(c.Test, names); Collect(c.Then, names); Collect(c.Otherwise, names); break;
        }
    }

    private static void Collect(ArgumentList a, HashSet<string> names)
    {
        foreach (var x in a.Positional) Collect(x, names);
        foreach (var (_, x) in a.Keywords) Collect(x, names);
        Collect(a.DynamicPositional, names);
        Collect(a.DynamicKeywords, names);
    }
}
