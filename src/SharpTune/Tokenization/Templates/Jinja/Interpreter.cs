namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Walks a parsed template and renders it, with jinja2's semantics in an immutable sandbox: templates see only
/// the values passed in (our own value types) and the globals given; output, loop iterations and macro
/// recursion are bounded.
/// </summary>
internal sealed partial class Interpreter
{
    private readonly IReadOnlyDictionary<string, object?> _globals;
    private readonly FrameAnalysis _frames;
    private readonly long _maxOutputChars;
    private readonly long _maxIterations;
    private long _iterations;
    private int _callDepth;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public Interpreter(IReadOnlyDictionary<string, object?> globals, FrameAnalysis frames, long maxOutputChars, long maxIterations)
    {
        _globals = globals;
        _frames = frames;
        _maxOutputChars = maxOutputChars;
        _maxIterations = maxIterations;
    }

    public string Render(IReadOnlyList<Stmt> body, IReadOnlyDictionary<string, object?> variables)
    {
        var context = new Scope(null);
        foreach (var (k, v) in variables) context.Set(k, v);
        var root = NewFrame(context, _frames.Root);
        var output = new OutputBuffer(_maxOutputChars);
        RunBody(body, root, output);
        return output.ToString();
    }

    /// <summary>Renders a body that is its own unit (template, macro, block set): break/continue cannot leave it.</summary>
    private void RunBody(IReadOnlyList<Stmt> body, Scope scope, OutputBuffer output)
    {
        if (Execute(body, scope, output) != Flow.Normal)
            throw new JinjaError("SyntaxError", "'break' or 'continue' outside loop", body.FirstOrDefault(s => s is BreakStmt or ContinueStmt)?.Position);
    }

    /// <summary>A new frame under <paramref name="parent"/>, with the names jinja2 treats as undefined there until assigned.</summary>
    private static Scope NewFrame(Scope parent, string[] undefinedNames)
    {
        var scope = new Scope(parent);
        foreach (var name in undefinedNames) scope.Set(name, Undefined.ForName(name));
        return scope;
    }

    private string RenderToString(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new OutputBuffer(_maxOutputChars);
        RunBody(body, scope, output);
        return output.ToString();
    }

    /// <summary>Renders an inline body (block set, filter block) into its own buffer; a break or continue in it still reaches the enclosing loop.</summary>
    private (string Text, Flow Flow) Capture(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new OutputBuffer(_maxOutputChars);
        var flow = Execute(body, scope, output);
        return (output.ToString(), flow);
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, OutputBuffer output)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        foreach (var stmt in body)
        {
            Flow flow;
            try
            {
                flow = ExecuteOne(stmt, scope, output);
            }
            catch (JinjaError e) when (e.Position == null)
            {
                e.Position = stmt.Position;
                throw;
            }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Stmt stmt, Scope scope, OutputBuffer output)
    {
        switch (stmt)
        {
            case TextStmt t:
                output.Append(t.Text);
                return Flow.Normal;
            case OutputStmt o:
                output.Append(PyRepr.Str(Eval(o.Value, scope)));
                return Flow.Normal;
            case IfStmt i:
                return Execute(PyOps.Truthy(Eval(i.Test, scope)) ? i.Body : i.Else, scope, output);
            case ForStmt f:
                return ExecuteFor(f, scope, output);
            case SetStmt s:
                Assign(s.Target, Eval(s.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt sb:
                var (captured, setFlow) = Capture(sb.Body, NewFrame(scope, _frames.Body(sb)));
                if (setFlow != Flow.Normal) return setFlow;
                object? text = captured;
                if (sb.Filter != null) text = ApplyFilter(sb.Filter, text, scope);
                Assign(sb.Target, text, scope);
                return Flow.Normal;
            case MacroStmt m:
                scope.Set(m.Name, MakeMacro(m, m.Name, m.Parameters, m.Body, scope, m.UsesVarargs, m.UsesKwargs, m.UsesCaller));
                return Flow.Normal;
            case CallBlockStmt cb:
                var caller = MakeMacro(cb, "caller", cb.Parameters, cb.Body, scope, false, false, false);
                var callee = Eval(cb.Call.Callee, scope);
                var args = EvalArguments(cb.Call.Arguments, scope);
                var withCaller = new CallArguments(args.Positional, [.. args.Keywords, new("caller", caller)]);
                output.Append(PyRepr.Str(Call(callee, withCaller)));
                return Flow.Normal;
            case FilterBlockStmt fb:
                var (filtered, filterFlow) = Capture(fb.Body, NewFrame(scope, _frames.Body(fb)));
                if (filterFlow != Flow.Normal) return filterFlow;
                output.Append(PyRepr.Str(ApplyFilter(fb.Filter, filtered, scope)));
                return Flow.Normal;
            case WithStmt w:
                var inner = NewFrame(scope, _frames.Body(w));
                foreach (var (target, value) in w.Assignments) Assign(target, Eval(value, scope), inner);
                return Execute(w.Body, inner, output);
            case ScopeStmt sc:
                // transformers' {% generation %} is a call block: its body is a caller macro, with empty varargs and kwargs.
                var generation = NewFrame(scope, _frames.Body(sc));
                generation.Set("varargs", PyList.Tuple());
                generation.Set("kwargs", new PyDict());
                output.Append(RenderToString(sc.Body, generation));
                return Flow.Normal;
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new InvalidOperationException("unknown statement " + stmt.GetType().Name);
        }
    }

    private Flow ExecuteFor(ForStmt f, Scope scope, OutputBuffer output)
    {
        var source = Eval(f.Iterable, scope);
        var items = PyOps.ToList(source);
        if (f.Filter != null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                CountIteration();
                var test = new Scope(scope);
                Assign(f.Target, item, test);
                if (PyOps.Truthy(Eval(f.Filter, test))) kept.Add(item);
            }
            items = kept;
        }
        // As jinja2 compiles it, the else branch runs unless some iteration reached the end of the body
        // (so also when every iteration left through break or continue).
        bool completed = false;
        var loop = new LoopContext(items, 0);
        for (int i = 0; i < items.Count; i++)
        {
            CountIteration();
            loop.Index0 = i;
            var iteration = NewFrame(scope, _frames.Body(f));
            iteration.Set("loop", loop);
            Assign(f.Target, items[i], iteration);
            var flow = Execute(f.Body, iteration, output);
            if (flow == Flow.Normal) completed = true;
            else if (flow == Flow.Break) break;
        }
        return completed ? Flow.Normal : Execute(f.Else, NewFrame(scope, _frames.Else(f)), output);
    }

    private void CountIteration()
    {
        if (++_iterations > _maxIterations) throw JinjaError.Limit($"the template ran more than {_maxIterations:N0} loop iterations");
    }

    private void Assign(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpr n:
                scope.Set(n.Name, value);
                break;
            case NamespaceRefExpr r:
                if (!scope.TryGet(r.Name, out var ns) && !_globals.TryGetValue(r.Name, out ns)) ns = null;
                if (ns is not PyNamespace namespaceObject)
                    throw new JinjaError("TemplateRuntimeError", "cannot assign attribute on non-namespace object", r.Position);
                namespaceObject.Attributes.Set(r.Attribute, value);
                break;
            case TupleExpr t:
                var items = PyOps.ToList(value);
                if (items.Count > t.Items.Count) throw JinjaError.Value($"too many values to unpack (expected {t.Items.Count})");
                if (items.Count < t.Items.Count) throw JinjaError.Value($"not enough values to unpack (expected {t.Items.Count}, got {items.Count})");
                for (int i = 0; i < items.Count; i++) Assign(t.Items[i], items[i], scope);
                break;
            default:
                throw new JinjaError("TemplateSyntaxError", "cannot assign to this expression", target.Position);
        }
    }

    private PyCallable MakeMacro(Stmt owner, string name, IReadOnlyList<Parameter> parameters, IReadOnlyList<Stmt> body, Scope defining,
        bool usesVarargs, bool usesKwargs, bool usesCaller)
    {
        var undefinedNames = _frames.Body(owner);
        return new PyCallable(name, args =>
        {
            if (++_callDepth > Limits.MaxCallDepth)
            {
                _callDepth--;
                throw JinjaError.Limit($"macros call each other more than {Limits.MaxCallDepth} deep");
            }
            try
            {
                var scope = NewFrame(defining, undefinedNames);
                if (args.Positional.Count > parameters.Count && !usesVarargs)
                    throw JinjaError.Type($"macro '{name}' takes not more than {parameters.Count} argument(s)");
                var bound = new bool[parameters.Count];
                for (int i = 0; i < Math.Min(args.Positional.Count, parameters.Count); i++)
                {
                    scope.Set(parameters[i].Name, args.Positional[i]);
                    bound[i] = true;
                }
                var extraKeywords = new PyDict();
                object? caller = null;
                foreach (var (key, value) in args.Keywords)
                {
                    int index = -1;
                    for (int i = 0; i < parameters.Count; i++) if (parameters[i].Name == key) index = i;
                    if (index >= 0)
                    {
                        if (bound[index]) throw JinjaError.Type($"macro '{name}' got multiple values for argument '{key}'");
                        scope.Set(key, value);
                        bound[index] = true;
                    }
                    else if (key == "caller" && usesCaller) caller = value;
                    else if (usesKwargs) extraKeywords.Set(key, value);
                    else throw JinjaError.Type($"macro '{name}' takes no keyword argument '{key}'");
                }
                for (int i = 0; i < parameters.Count; i++)
                {
                    if (bound[i]) continue;
                    var p = parameters[i];
                    scope.Set(p.Name, p.Default != null ? Eval(p.Default, scope) : Undefined.WithHint($"parameter '{p.Name}' was not provided"));
                }
                scope.Set("varargs", new PyList(args.Positional.Skip(parameters.Count).ToArray(), PyListKind.Tuple));
                scope.Set("kwargs", extraKeywords);
                if (usesCaller) scope.Set("caller", caller ?? Undefined.ForName("caller"));
                return RenderToString(body, scope);
            }
            finally
            {
                _callDepth--;
            }
        }, isMacro: true);
    }
}
