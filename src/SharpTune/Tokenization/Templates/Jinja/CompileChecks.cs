namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// The errors jinja2 reports when it compiles a template, before anything runs: unknown filters and tests
/// (except inside an if block or conditional expression, where jinja2 waits until the branch runs), and
/// <c>break</c>/<c>continue</c> outside a loop body (Python rejects them in the code jinja2 generates).
/// </summary>
internal static class CompileChecks
{
    public static void Run(IReadOnlyList<Stmt> template)
    {
        Check(template);
        CheckLoopControls(template, inLoop: false);
    }

    private static void Check(IEnumerable<Stmt> body)
    {
        foreach (var s in body) Check(s);
    }

    private static void CheckLoopControls(IEnumerable<Stmt> body, bool inLoop)
    {
        foreach (var s in body)
        {
            switch (s)
            {
                case BreakStmt when !inLoop: throw JinjaError.Syntax("'break' outside loop", s.Position);
                case ContinueStmt when !inLoop: throw JinjaError.Syntax("'continue' not properly in loop", s.Position);
                case IfStmt i: CheckLoopControls(i.Body, inLoop); CheckLoopControls(i.Else, inLoop); break;
                case ForStmt f: CheckLoopControls(f.Body, true); CheckLoopControls(f.Else, inLoop); break;
                case SetBlockStmt sb: CheckLoopControls(sb.Body, inLoop); break;
                case FilterBlockStmt fb: CheckLoopControls(fb.Body, inLoop); break;
                case WithStmt w: CheckLoopControls(w.Body, inLoop); break;
                // Macros, call blocks and generation blocks become functions of their own.
                case MacroStmt m: CheckLoopControls(m.Body, false); break;
                case CallBlockStmt cb: CheckLoopControls(cb.Body, false); break;
                case ScopeStmt sc: CheckLoopControls(sc.Body, false); break;
            }
        }
    }

    private static void Check(Stmt s)
    {
        switch (s)
        {
            case OutputStmt o: Check(o.Value); break;
            case IfStmt: break;
            case ForStmt f: Check(f.Iterable); Check(f.Filter); Check(f.Body); Check(f.Else); break;
            case SetStmt set: Check(set.Value); break;
            case SetBlockStmt sb: Check(sb.Filter); Check(sb.Body); break;
            case MacroStmt m: Check(m.Body); break;
            case CallBlockStmt cb: Check(cb.Call); Check(cb.Body); break;
            case FilterBlockStmt fb: Check(fb.Filter); Check(fb.Body); break;
            case WithStmt w: foreach (var (_, v) in w.Assignments) Check(v); Check(w.Body); break;
            case ScopeStmt sc: Check(sc.Body); break;
        }
    }

    private static void Check(Expr? e)
    {
        switch (e)
        {
            case null: break;
            case FilterExpr f:
                if (!Filters.Table.ContainsKey(f.Name)) throw JinjaError.Syntax($"No filter named '{f.Name}'.", f.Position);
                Check(f.Operand);
                Check(f.Arguments);
                break;
            case TestExpr t:
                if (!Tests.Table.ContainsKey(t.Name)) throw JinjaError.Syntax($"No test named '{t.Name}'.", t.Position);
                Check(t.Operand);
                Check(t.Arguments);
                break;
            case ConditionalExpr: break;
            case ListExpr l: foreach (var x in l.Items) Check(x); break;
            case TupleExpr t: foreach (var x in t.Items) Check(x); break;
            case DictExpr d: foreach (var (k, v) in d.Pairs) { Check(k); Check(v); } break;
            case GetAttrExpr g: Check(g.Target); break;
            case GetItemExpr g: Check(g.Target); Check(g.Key); break;
            case SliceExpr s: Check(s.Start); Check(s.Stop); Check(s.Step); break;
            case CallExpr c: Check(c.Callee); Check(c.Arguments); break;
            case UnaryExpr u: Check(u.Operand); break;
            case BinaryExpr b: Check(b.Left); Check(b.Right); break;
            case ConcatExpr c: foreach (var x in c.Parts) Check(x); break;
            case CompareExpr c: Check(c.First); foreach (var (_, x) in c.Rest) Check(x); break;
        }
    }

    private static void Check(ArgumentList a)
    {
        foreach (var x in a.Positional) Check(x);
        foreach (var (_, x) in a.Keywords) Check(x);
        Check(a.DynamicPositional);
        Check(a.DynamicKeywords);
    }
}
