namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// jinja2's compile-time scoping, which a purely dynamic lookup would miss: in each frame (the template, a loop
/// body, a macro, a block set, …) a name the frame assigns unconditionally, without reading it first and
/// without an enclosing frame knowing it, is undefined from the frame's start — even where a template
/// variable of that name exists (e.g. read inside a loop that comes before the assignment). This computes,
/// for each frame, those names, following jinja2's idtracking (stores, loads, parameters, if-branch merging).
/// </summary>
internal sealed class FrameAnalysis
{
    private readonly Dictionary<Stmt, string[]> _bodies = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Stmt, string[]> _elses = new(ReferenceEqualityComparer.Instance);

    /// <summary>The names undefined at the start of the template's own frame.</summary>
    public string[] Root { get; private set; } = [];

    /// <summary>The names undefined at the start of the frame of <paramref name="owner"/>'s body (loop, macro, block set, …).</summary>
    public string[] Body(Stmt owner) => _bodies.TryGetValue(owner, out var names) ? names : [];

    /// <summary>The names undefined at the start of a for loop's else frame.</summary>
    public string[] Else(ForStmt owner) => _elses.TryGetValue(owner, out var names) ? names : [];

    public static FrameAnalysis Of(IReadOnlyList<Stmt> template)
    {
        var analysis = new FrameAnalysis();
        var root = new Symbols(null);
        foreach (var s in template) Visit(s, root);
        analysis.Root = root.UndefinedNames();
        analysis.Inner(template, root);
        return analysis;
    }

    /// <summary>Analyzes the frames nested in <paramref name="body"/> (whose own frame is <paramref name="frame"/>), as jinja2's code generator does, outer first.</summary>
    private void Inner(IEnumerable<Stmt> body, Symbols frame)
    {
        foreach (var s in body) InnerOf(s, frame);
    }

    private void InnerOf(Stmt s, Symbols frame)
    {
        switch (s)
        {
            case IfStmt i:
                Inner(i.Body, frame);
                Inner(i.Else, frame);
                break;
            case ForStmt f:
                var loop = new Symbols(frame);
                DeclareTarget(f.Target, loop);
                loop.DeclareParameter("loop");
                foreach (var x in f.Body) Visit(x, loop);
                _bodies[f] = loop.UndefinedNames();
                Inner(f.Body, loop);
                var otherwise = new Symbols(frame);
                foreach (var x in f.Else) Visit(x, otherwise);
                _elses[f] = otherwise.UndefinedNames();
                Inner(f.Else, otherwise);
                break;
            case MacroStmt m:
                Frame(m, m.Body, frame, m.Parameters, ["varargs", "kwargs", "caller"]);
                break;
            case CallBlockStmt cb:
                Frame(cb, cb.Body, frame, cb.Parameters, []);
                break;
            case SetBlockStmt sb:
                Frame(sb, sb.Body, frame, [], []);
                break;
            case FilterBlockStmt fb:
                Frame(fb, fb.Body, frame, [], [], fb.Filter);
                break;
            case WithStmt w:
                var with = new Symbols(frame);
                foreach (var (target, _) in w.Assignments) DeclareTarget(target, with);
                foreach (var x in w.Body) Visit(x, with);
                _bodies[w] = with.UndefinedNames();
                Inner(w.Body, with);
                break;
            case ScopeStmt sc:
                Frame(sc, sc.Body, frame, [], []);
                break;
        }
    }

    private void Frame(Stmt owner, IReadOnlyList<Stmt> body, Symbols parent, IReadOnlyList<Parameter> parameters, string[] implicitParameters, Expr? alsoVisit = null)
    {
        var symbols = new Symbols(parent);
        foreach (var p in parameters) symbols.DeclareParameter(p.Name);
        foreach (var name in implicitParameters) symbols.DeclareParameter(name);
        foreach (var p in parameters) Visit(p.Default, symbols);
        foreach (var x in body) Visit(x, symbols);
        Visit(alsoVisit, symbols);
        _bodies[owner] = symbols.UndefinedNames();
        Inner(body, symbols);
    }

    private static void DeclareTarget(Expr target, Symbols symbols)
    {
        switch (target)
        {
            case NameExpr n: symbols.DeclareParameter(n.Name); break;
            case TupleExpr t: foreach (var x in t.Items) DeclareTarget(x, symbols); break;
        }
    }

    /// <summary>jinja2's FrameSymbolVisitor: what one statement of a frame loads and stores in that frame.</summary>
    private static void Visit(Stmt s, Symbols symbols)
    {
        switch (s)
        {
            case OutputStmt o: Visit(o.Value, symbols); break;
            case IfStmt i:
                Visit(i.Test, symbols);
                var body = symbols.Copy();
                foreach (var x in i.Body) Visit(x, body);
                var otherwise = symbols.Copy();
                foreach (var x in i.Else) Visit(x, otherwise);
                symbols.BranchUpdate([body, otherwise]);
                break;
            case ForStmt f: Visit(f.Iterable, symbols); break;
            case SetStmt set:
                Visit(set.Value, symbols);
                Store(set.Target, symbols);
                break;
            case SetBlockStmt sb: Store(sb.Target, symbols); break;
            case MacroStmt m: symbols.Store(m.Name); break;
            case CallBlockStmt cb: Visit(cb.Call, symbols); break;
            case FilterBlockStmt fb: Visit(fb.Filter, symbols); break;
            case WithStmt w: foreach (var (_, value) in w.Assignments) Visit(value, symbols); break;
        }
    }

    private static void Store(Expr target, Symbols symbols)
    {
        switch (target)
        {
            case NameExpr n: symbols.Store(n.Name); break;
            case TupleExpr t: foreach (var x in t.Items) Store(x, symbols); break;
            case NamespaceRefExpr r: symbols.Load(r.Name); break;
        }
    }

    private static void Visit(Expr? e, Symbols symbols)
    {
        if (e == null) return;
        foreach (var name in LoadsInOrder(e)) symbols.Load(name);
    }

    private static IEnumerable<string> LoadsInOrder(Expr e)
    {
        switch (e)
        {
            case NameExpr n: yield return n.Name; break;
            case NamespaceRefExpr r: yield return r.Name; break;
            default:
                foreach (var child in Children(e))
                    if (child != null)
                        foreach (var name in LoadsInOrder(child)) yield return name;
                break;
        }
    }

    private static IEnumerable<Expr?> Children(Expr e)
    {
        switch (e)
        {
            case ListExpr l: return l.Items;
            case TupleExpr t: return t.Items;
            case DictExpr d: return d.Pairs.SelectMany(p => new[] { p.Key, p.Value });
            case GetAttrExpr g: return [g.Target];
            case GetItemExpr g: return [g.Target, g.Key];
            case SliceExpr s: return [s.Start, s.Stop, s.Step];
            case CallExpr c: return Arguments(c.Arguments).Prepend(c.Callee);
            case FilterExpr f: return Arguments(f.Arguments).Prepend(f.Operand);
            case TestExpr t: return Arguments(t.Arguments).Prepend(t.Operand);
            case UnaryExpr u: return [u.Operand];
            case BinaryExpr b: return [b.Left, b.Right];
            case ConcatExpr c: return c.Parts;
            case CompareExpr c: return c.Rest.Select(r => r.Operand).Prepend(c.First);
            case ConditionalExpr c: return [c.Then, c.Test, c.Otherwise];
            default: return [];
        }
    }

    private static IEnumerable<Expr?> Arguments(ArgumentList a) =>
        a.Positional.Concat(a.Keywords.Select(k => k.Value)).Append(a.DynamicPositional).Append(a.DynamicKeywords);

    private enum LoadKind
    {
        Parameter,
        Resolve,
        Alias,
        Undefined,
    }

    /// <summary>One frame's symbols: the names it defines (with how each starts) and the names it assigns.</summary>
    private sealed class Symbols(Symbols? parent)
    {
        private Dictionary<string, LoadKind> _refs = new(StringComparer.Ordinal);
        private HashSet<string> _stores = new(StringComparer.Ordinal);

        public Symbols Copy() => new(parent) { _refs = new(_refs, StringComparer.Ordinal), _stores = new(_stores, StringComparer.Ordinal) };

        private bool FindRef(string name) => _refs.ContainsKey(name) || (parent != null && parent.FindRef(name));

        public void Load(string name)
        {
            if (!FindRef(name)) _refs[name] = LoadKind.Resolve;
        }

        public void Store(string name)
        {
            _stores.Add(name);
            if (_refs.ContainsKey(name)) return;
            _refs[name] = parent != null && parent.FindRef(name) ? LoadKind.Alias : LoadKind.Undefined;
        }

        public void DeclareParameter(string name)
        {
            _stores.Add(name);
            _refs[name] = LoadKind.Parameter;
        }

        public void BranchUpdate(IEnumerable<Symbols> branches)
        {
            var stores = new HashSet<string>(StringComparer.Ordinal);
            foreach (var b in branches) stores.UnionWith(b._stores);
            stores.ExceptWith(_stores);
            foreach (var b in branches)
            {
                foreach (var (k, v) in b._refs) _refs[k] = v;
                _stores.UnionWith(b._stores);
            }
            foreach (var name in stores)
                _refs[name] = parent != null && parent.FindRef(name) ? LoadKind.Alias : LoadKind.Resolve;
        }

        public string[] UndefinedNames() => [.. _refs.Where(kv => kv.Value == LoadKind.Undefined).Select(kv => kv.Key)];
    }
}
