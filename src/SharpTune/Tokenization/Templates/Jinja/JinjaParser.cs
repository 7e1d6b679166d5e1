namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// A recursive-descent parser that follows jinja2's grammar and operator precedence: conditional, or, and, not,
/// comparisons and <c>in</c>, + -, ~, * / // %, **, unary - +, then primaries with postfix access, calls,
/// filters and tests. Tags: if/elif/else, for/else (with <c>if</c> filter), set (and block set), macro, call,
/// filter, with, print, break/continue, raw, and transformers' generation.
/// </summary>
internal sealed class JinjaParser
{
    private static readonly HashSet<string> Unsupported = ["block", "extends", "include", "import", "from", "autoescape"];
    private readonly List<JinjaToken> _tokens;
    private readonly List<string[]> _endTokenStack = [];
    private readonly List<string> _tagStack = [];
    private int _index;
    private int _depth;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        return parser.Subparse(null);
    }

    private JinjaToken Current => _tokens[_index];

    private JinjaToken Look => _tokens[Math.Min(_index + 1, _tokens.Count - 1)];

    private JinjaToken Next()
    {
        var t = _tokens[_index];
        if (_index < _tokens.Count - 1) _index++;
        return t;
    }

    private static JinjaError Fail(string message, SourcePosition at) => JinjaError.Syntax(message, at);

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        Next();
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        Next();
        return true;
    }

    private JinjaToken ExpectOperator(string op)
    {
        if (Current.IsOperator(op)) return Next();
        throw Fail($"expected token '{op}', got '{Current.Describe()}'", Current.Position);
    }

    private JinjaToken Expect(JinjaTokenKind kind, string what)
    {
        if (Current.Kind == kind) return Next();
        if (Current.Kind == JinjaTokenKind.Eof) throw Fail($"unexpected end of template, expected '{what}'.", Current.Position);
        throw Fail($"expected token '{what}', got '{Current.Describe()}'", Current.Position);
    }

    private JinjaToken ExpectName(string? name = null)
    {
        if (Current.Kind == JinjaTokenKind.Name && (name == null || Current.Text == name)) return Next();
        throw Fail($"expected token '{name ?? "name"}', got '{Current.Describe()}'", Current.Position);
    }

    // ---- statements -------------------------------------------------------------------------------

    private List<Stmt> Subparse(string[]? endTokens)
    {
        if (++_depth > Limits.MaxNesting) throw Fail("blocks are nested too deeply", Current.Position);
        var body = new List<Stmt>();
        if (endTokens != null) _endTokenStack.Add(endTokens);
        try
        {
            while (Current.Kind != JinjaTokenKind.Eof)
            {
                var token = Current;
                switch (token.Kind)
                {
                    case JinjaTokenKind.Data:
                        body.Add(new TextStmt(token.Position, token.Text));
                        Next();
                        break;
                    case JinjaTokenKind.VariableBegin:
                        Next();
                        body.Add(new OutputStmt(token.Position, ParseTuple(withCondExpr: true)));
                        Expect(JinjaTokenKind.VariableEnd, "end of print statement");
                        break;
                    case JinjaTokenKind.BlockBegin:
                        Next();
                        if (endTokens != null && Current.Kind == JinjaTokenKind.Name && endTokens.Contains(Current.Text)) return body;
                        body.AddRange(ParseStatement());
                        Expect(JinjaTokenKind.BlockEnd, "end of statement block");
                        break;
                    default:
                        throw Fail($"unexpected '{token.Describe()}'", token.Position);
                }
            }
            return body;
        }
        finally
        {
            if (endTokens != null) _endTokenStack.RemoveAt(_endTokenStack.Count - 1);
            _depth--;
        }
    }

    private List<Stmt> ParseStatements(string[] endTokens, bool dropNeedle = false)
    {
        SkipOperator(":");
        Expect(JinjaTokenKind.BlockEnd, "end of statement block");
        var result = Subparse(endTokens);
        if (Current.Kind == JinjaTokenKind.Eof) throw FailEof(endTokens);
        if (dropNeedle) Next();
        return result;
    }

    private JinjaError FailEof(string[] endTokens)
    {
        var expected = string.Join(" or ", endTokens.Select(t => $"'{t}'"));
        var message = $"Unexpected end of template. Jinja was looking for the following tags: {expected}.";
        if (_tagStack.Count > 0) message += $" The innermost block that needs to be closed is '{_tagStack[^1]}'.";
        return Fail(message, Current.Position);
    }

    private IEnumerable<Stmt> ParseStatement()
    {
        var token = Current;
        if (token.Kind != JinjaTokenKind.Name) throw Fail("tag name expected", token.Position);
        _tagStack.Add(token.Text);
        try
        {
            switch (token.Text)
            {
                case "if": return [ParseIf()];
                case "for": return [ParseFor()];
                case "set": return [ParseSet()];
                case "macro": return [ParseMacro()];
                case "call": return [ParseCallBlock()];
                case "filter": return [ParseFilterBlock()];
                case "with": return [ParseWith()];
                case "print": return ParsePrint();
                case "break":
                    Next();
                    return [new BreakStmt(token.Position)];
                case "continue":
                    Next();
                    return [new ContinueStmt(token.Position)];
                case "generation":
                    Next();
                    return [new ScopeStmt(token.Position, ParseStatements(["endgeneration"], dropNeedle: true))];
            }
            if (Unsupported.Contains(token.Text))
                throw Fail($"the '{token.Text}' tag is not supported: chat templates are rendered alone, without loading other templates", token.Position);
        }
        finally
        {
            _tagStack.RemoveAt(_tagStack.Count - 1);
        }
        throw UnknownTag(token);
    }

    private JinjaError UnknownTag(JinjaToken token)
    {
        var message = $"Encountered unknown tag '{token.Text}'.";
        if (_endTokenStack.Count > 0)
        {
            var expected = string.Join(" or ", _endTokenStack[^1].Select(t => $"'{t}'"));
            message += $" Jinja was looking for the following tags: {expected}.";
            if (_tagStack.Count > 0) message += $" The innermost block that needs to be closed is '{_tagStack[^1]}'.";
        }
        return Fail(message, token.Position);
    }

    private IfStmt ParseIf() => ParseIfRest(ExpectName("if").Position);

    /// <summary>The test and branches after <c>if</c> or <c>elif</c>; an elif is an if nested in the else branch, sharing the endif.</summary>
    private IfStmt ParseIfRest(SourcePosition position)
    {
        var test = ParseTuple(withCondExpr: false);
        var body = ParseStatements(["elif", "else", "endif"]);
        var token = Next();
        if (token.Text == "elif") return new IfStmt(position, test, body, [ParseIfRest(token.Position)]);
        if (token.Text == "else") return new IfStmt(position, test, body, ParseStatements(["endif"], dropNeedle: true));
        return new IfStmt(position, test, body, []);
    }

    private ForStmt ParseFor()
    {
        var position = ExpectName("for").Position;
        var target = ParseAssignTarget(extraEndRules: ["in"]);
        ExpectName("in");
        var iterable = ParseTuple(withCondExpr: false, extraEndRules: ["recursive"]);
        Expr? filter = SkipName("if") ? ParseExpression() : null;
        if (Current.IsName("recursive")) throw Fail("recursive for loops are not supported", Current.Position);
        var body = ParseStatements(["endfor", "else"]);
        var elseBody = Next().Text == "endfor" ? [] : ParseStatements(["endfor"], dropNeedle: true);
        return new ForStmt(position, target, iterable, filter, body, elseBody);
    }

    private Stmt ParseSet()
    {
        var position = Next().Position;
        var target = ParseAssignTarget(withNamespace: true);
        if (SkipOperator("=")) return new SetStmt(position, target, ParseTuple());
        var filter = (FilterExpr?)ParseFilter(null);
        var body = ParseStatements(["endset"], dropNeedle: true);
        return new SetBlockStmt(position, target, filter, body);
    }

    private MacroStmt ParseMacro()
    {
        var position = Next().Position;
        var name = ((NameExpr)ParseAssignTarget(nameOnly: true)).Name;
        var parameters = ParseSignature();
        var body = ParseStatements(["endmacro"], dropNeedle: true);
        var names = new HashSet<string>();
        NameCollector.Collect(body, names);
        return new MacroStmt(position, name, parameters, body, names.Contains("varargs"), names.Contains("kwargs"), names.Contains("caller"));
    }

    private List<Parameter> ParseSignature()
    {
        var parameters = new List<Parameter>();
        bool defaults = false;
        ExpectOperator("(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            var name = ((NameExpr)ParseAssignTarget(nameOnly: true)).Name;
            if (SkipOperator("="))
            {
                parameters.Add(new Parameter(name, ParseExpression()));
                defaults = true;
            }
            else if (defaults) throw Fail("non-default argument follows default argument", Current.Position);
            else parameters.Add(new Parameter(name, null));
        }
        ExpectOperator(")");
        return parameters;
    }

    private CallBlockStmt ParseCallBlock()
    {
        var position = Next().Position;
        var parameters = Current.IsOperator("(") ? ParseSignature() : [];
        var call = ParseExpression() as CallExpr ?? throw Fail("expected call", position);
        var body = ParseStatements(["endcall"], dropNeedle: true);
        return new CallBlockStmt(position, call, parameters, body);
    }

    private FilterBlockStmt ParseFilterBlock()
    {
        var position = Next().Position;
        var filter = (FilterExpr)ParseFilter(null, startInline: true)!;
        var body = ParseStatements(["endfilter"], dropNeedle: true);
        return new FilterBlockStmt(position, filter, body);
    }

    private WithStmt ParseWith()
    {
        var position = Next().Position;
        var assignments = new List<(Expr, Expr)>();
        while (Current.Kind != JinjaTokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOperator(",");
            var target = ParseAssignTarget();
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        return new WithStmt(position, assignments, ParseStatements(["endwith"], dropNeedle: true));
    }

    private List<Stmt> ParsePrint()
    {
        Next();
        var outputs = new List<Stmt>();
        while (Current.Kind != JinjaTokenKind.BlockEnd)
        {
            if (outputs.Count > 0) ExpectOperator(",");
            var position = Current.Position;
            outputs.Add(new OutputStmt(position, ParseExpression()));
        }
        return outputs;
    }

    private Expr ParseAssignTarget(bool withTuple = true, bool nameOnly = false, string[]? extraEndRules = null, bool withNamespace = false)
    {
        Expr target;
        if (nameOnly)
        {
            var token = ExpectName();
            target = new NameExpr(token.Position, token.Text);
        }
        else if (withTuple) target = ParseTuple(simplified: true, extraEndRules: extraEndRules, withNamespace: withNamespace);
        else target = ParsePrimary(withNamespace);
        if (!CanAssign(target)) throw Fail($"can't assign to '{NodeName(target)}'", target.Position);
        return target;
    }

    private static bool CanAssign(Expr e) => e switch
    {
        NameExpr n => n.Name is not ("true" or "false" or "none" or "True" or "False" or "None"),
        NamespaceRefExpr => true,
        TupleExpr t => t.Items.All(CanAssign),
        _ => false,
    };

    private static string NodeName(Expr e) => e switch
    {
        ConstExpr => "const",
        GetAttrExpr => "getattr",
        GetItemExpr => "getitem",
        CallExpr => "call",
        _ => e.GetType().Name.Replace("Expr", "").ToLowerInvariant(),
    };

    // ---- expressions ------------------------------------------------------------------------------

    private Expr ParseExpression(bool withCondExpr = true)
    {
        if (++_depth > Limits.MaxNesting) throw Fail("expression is nested too deeply", Current.Position);
        try { return withCondExpr ? ParseCondExpr() : ParseOr(); }
        finally { _depth--; }
    }

    private Expr ParseCondExpr()
    {
        var position = Current.Position;
        var expr1 = ParseOr();
        while (SkipName("if"))
        {
            var expr2 = ParseOr();
            Expr? expr3 = SkipName("else") ? ParseCondExpr() : null;
            expr1 = new ConditionalExpr(position, expr2, expr1, expr3);
            position = Current.Position;
        }
        return expr1;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var position = Next().Position;
            left = new BinaryExpr(position, "or", left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var position = Next().Position;
            left = new BinaryExpr(position, "and", left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var position = Next().Position;
            return new UnaryExpr(position, "not", ParseNot());
        }
        return ParseCompare();
    }

    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseCompare()
    {
        var position = Current.Position;
        var expr = ParseMath1();
        var ops = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && CompareOperators.Contains(Current.Text))
            {
                var op = Next().Text;
                ops.Add((op, ParseMath1()));
            }
            else if (SkipName("in")) ops.Add(("in", ParseMath1()));
            else if (Current.IsName("not") && Look.IsName("in"))
            {
                Next();
                Next();
                ops.Add(("notin", ParseMath1()));
            }
            else break;
        }
        return ops.Count == 0 ? expr : new CompareExpr(position, expr, ops);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var token = Next();
            left = new BinaryExpr(token.Position, token.Text, left, ParseConcat());
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var position = Current.Position;
        var parts = new List<Expr> { ParseMath2() };
        while (SkipOperator("~")) parts.Add(ParseMath2());
        return parts.Count == 1 ? parts[0] : new ConcatExpr(position, parts);
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var token = Next();
            left = new BinaryExpr(token.Position, token.Text, left, ParsePow());
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary();
        while (Current.IsOperator("**"))
        {
            var token = Next();
            left = new BinaryExpr(token.Position, "**", left, ParseUnary());
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter = true)
    {
        var token = Current;
        Expr node;
        if (++_depth > Limits.MaxNesting) throw Fail("expression is nested too deeply", token.Position);
        try
        {
            if (token.IsOperator("-"))
            {
                Next();
                node = new UnaryExpr(token.Position, "-", ParseUnary(false));
            }
            else if (token.IsOperator("+"))
            {
                Next();
                node = new UnaryExpr(token.Position, "+", ParseUnary(false));
            }
            else node = ParsePrimary();
            node = ParsePostfix(node);
            if (withFilter) node = ParseFilterExpr(node);
            return node;
        }
        finally { _depth--; }
    }

    private Expr ParsePrimary(bool withNamespace = false)
    {
        var token = Current;
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                Next();
                if (token.Text is "true" or "True") return new ConstExpr(token.Position, true);
                if (token.Text is "false" or "False") return new ConstExpr(token.Position, false);
                if (token.Text is "none" or "None") return new ConstExpr(token.Position, null);
                if (withNamespace && Current.IsOperator("."))
                {
                    Next();
                    var attr = ExpectName();
                    return new NamespaceRefExpr(token.Position, token.Text, attr.Text);
                }
                return new NameExpr(token.Position, token.Text);
            case JinjaTokenKind.String:
                Next();
                var text = (string)token.Value!;
                while (Current.Kind == JinjaTokenKind.String) text += (string)Next().Value!;
                return new ConstExpr(token.Position, text);
            case JinjaTokenKind.Integer or JinjaTokenKind.Float:
                Next();
                return new ConstExpr(token.Position, token.Value);
            case JinjaTokenKind.Operator when token.Text == "(":
                Next();
                var inner = ParseTuple(explicitParentheses: true);
                ExpectOperator(")");
                return inner;
            case JinjaTokenKind.Operator when token.Text == "[":
                return ParseList();
            case JinjaTokenKind.Operator when token.Text == "{":
                return ParseDict();
        }
        if (token.Kind == JinjaTokenKind.Eof) throw Fail("unexpected end of template", token.Position);
        throw Fail($"unexpected '{token.Describe()}'", token.Position);
    }

    private Expr ParseTuple(bool simplified = false, bool withCondExpr = true, string[]? extraEndRules = null, bool explicitParentheses = false, bool withNamespace = false)
    {
        var position = Current.Position;
        var args = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (args.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(extraEndRules)) break;
            args.Add(simplified ? ParsePrimary(withNamespace) : ParseExpression(withCondExpr));
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (args.Count > 0) return args[0];
            if (!explicitParentheses) throw Fail($"Expected an expression, got '{Current.Describe()}'", Current.Position);
        }
        return new TupleExpr(position, args);
    }

    private bool IsTupleEnd(string[]? extraEndRules)
    {
        var c = Current;
        if (c.Kind is JinjaTokenKind.VariableEnd or JinjaTokenKind.BlockEnd || c.IsOperator(")")) return true;
        return extraEndRules != null && c.Kind == JinjaTokenKind.Name && extraEndRules.Contains(c.Text);
    }

    private ListExpr ParseList()
    {
        var token = ExpectOperator("[");
        var items = new List<Expr>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0) ExpectOperator(",");
            if (Current.IsOperator("]")) break;
            items.Add(ParseExpression());
        }
        ExpectOperator("]");
        return new ListExpr(token.Position, items);
    }

    private DictExpr ParseDict()
    {
        var token = ExpectOperator("{");
        var pairs = new List<(Expr, Expr)>();
        while (!Current.IsOperator("}"))
        {
            if (pairs.Count > 0) ExpectOperator(",");
            if (Current.IsOperator("}")) break;
            var key = ParseExpression();
            ExpectOperator(":");
            pairs.Add((key, ParseExpression()));
        }
        ExpectOperator("}");
        return new DictExpr(token.Position, pairs);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator(".") || Current.IsOperator("[")) node = ParseSubscript(node);
            else if (Current.IsOperator("(")) node = ParseCall(node);
            else return node;
        }
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) node = ParseFilter(node)!;
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("(")) node = ParseCall(node);
            else return node;
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        var token = Next();
        if (token.Text == ".")
        {
            var attr = Current;
            Next();
            if (attr.Kind == JinjaTokenKind.Name) return new GetAttrExpr(token.Position, node, attr.Text);
            if (attr.Kind != JinjaTokenKind.Integer) throw Fail("expected name or number", attr.Position);
            return new GetItemExpr(token.Position, node, new ConstExpr(attr.Position, attr.Value));
        }
        var args = new List<Expr>();
        while (!Current.IsOperator("]"))
        {
            if (args.Count > 0) ExpectOperator(",");
            args.Add(ParseSubscribed());
        }
        ExpectOperator("]");
        return new GetItemExpr(token.Position, node, args.Count == 1 ? args[0] : new TupleExpr(token.Position, args));
    }

    private Expr ParseSubscribed()
    {
        var position = Current.Position;
        var parts = new List<Expr?>();
        if (Current.IsOperator(":"))
        {
            Next();
            parts.Add(null);
        }
        else
        {
            var node = ParseExpression();
            if (!Current.IsOperator(":")) return node;
            Next();
            parts.Add(node);
        }
        if (Current.IsOperator(":")) parts.Add(null);
        else if (!Current.IsOperator("]") && !Current.IsOperator(",")) parts.Add(ParseExpression());
        else parts.Add(null);
        if (Current.IsOperator(":"))
        {
            Next();
            parts.Add(!Current.IsOperator("]") && !Current.IsOperator(",") ? ParseExpression() : null);
        }
        else parts.Add(null);
        return new SliceExpr(position, parts[0], parts[1], parts[2]);
    }

    private ArgumentList ParseCallArgs()
    {
        var token = ExpectOperator("(");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        Expr? dynArgs = null, dynKwargs = null;
        bool requireComma = false;
        void Ensure(bool ok)
        {
            if (!ok) throw Fail("invalid syntax for function call expression", token.Position);
        }
        while (!Current.IsOperator(")"))
        {
            if (requireComma)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")")) break;
            }
            if (Current.IsOperator("*"))
            {
                Ensure(dynArgs == null && dynKwargs == null);
                Next();
                dynArgs = ParseExpression();
            }
            else if (Current.IsOperator("**"))
            {
                Ensure(dynKwargs == null);
                Next();
                dynKwargs = ParseExpression();
            }
            else if (Current.Kind == JinjaTokenKind.Name && Look.IsOperator("="))
            {
                Ensure(dynKwargs == null);
                var key = Next().Text;
                Next();
                kwargs.Add((key, ParseExpression()));
            }
            else
            {
                Ensure(dynArgs == null && dynKwargs == null && kwargs.Count == 0);
                args.Add(ParseExpression());
            }
            requireComma = true;
        }
        ExpectOperator(")");
        return new ArgumentList(args, kwargs, dynArgs, dynKwargs);
    }

    private CallExpr ParseCall(Expr node) => new(node.Position, node, ParseCallArgs());

    private Expr? ParseFilter(Expr? node, bool startInline = false)
    {
        while (Current.IsOperator("|") || startInline)
        {
            if (!startInline) Next();
            var token = ExpectName();
            var name = token.Text;
            while (Current.IsOperator("."))
            {
                Next();
                name += "." + ExpectName().Text;
            }
            var args = Current.IsOperator("(") ? ParseCallArgs() : ArgumentList.Empty;
            node = new FilterExpr(token.Position, node, name, args);
            startInline = false;
        }
        return node;
    }

    private Expr ParseTest(Expr node)
    {
        var token = Next();
        bool negated = SkipName("not");
        var name = ExpectName().Text;
        while (Current.IsOperator("."))
        {
            Next();
            name += "." + ExpectName().Text;
        }
        ArgumentList args;
        var c = Current;
        if (c.IsOperator("(")) args = ParseCallArgs();
        else if ((c.Kind is JinjaTokenKind.Name or JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                  || c.IsOperator("(") || c.IsOperator("[") || c.IsOperator("{"))
                 && !(c.IsName("else") || c.IsName("or") || c.IsName("and")))
        {
            if (c.IsName("is")) throw Fail("You cannot chain multiple tests with is", c.Position);
            var arg = ParsePostfix(ParsePrimary());
            args = new ArgumentList([arg], [], null, null);
        }
        else args = ArgumentList.Empty;
        Expr result = new TestExpr(token.Position, node, name, args);
        return negated ? new UnaryExpr(token.Position, "not", result) : result;
    }
}
