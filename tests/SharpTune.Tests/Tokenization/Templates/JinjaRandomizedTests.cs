using System.Text;
using System.Text.Json.Nodes;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>
/// Random templates from a small grammar (expressions with filters, tests, methods and operators; text with
/// tags, whitespace control, loops, sets and raw blocks), each rendered by us and by jinja2, which must agree:
/// same text, or both fail. Fixed seeds keep the run reproducible.
/// </summary>
public sealed class JinjaRandomizedTests
{
    private const string Variables = """
        {"d": {"a": 1, "b": "two", "c": [1, 2], "n": null, "f": 1.5}, "l": [3, 1, 2], "s": "Hello World", "e": "",
         "n": null, "f": -2.5, "i": 7, "t": true, "z": 0, "u8": "héllo 😀 wörld", "ws": "  a b\n c  ",
         "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "x": 1}], "messages": []}
        """;

    private static readonly string[] Names = ["d", "l", "s", "e", "n", "f", "i", "t", "z", "u8", "ws", "msgs", "u"];
    private static readonly string[] Strings = ["'a'", "'abc'", "''", "'A b C'", "' x '", "'a,b,,c'", "'é😀'", "'\\n'", "\"it's\"", "'1'", "'2.5'", "'x%sy'", "'{}'", "'-3'"];
    private static readonly string[] Numbers = ["0", "1", "2", "-1", "3", "10", "1.5", "-0.5", "0.0", "2.0", "100", "1e3", "0.1"];
    private static readonly string[] Filters0 = ["length", "first", "last", "list", "upper", "lower", "title", "capitalize", "trim", "string", "int", "float", "abs", "round", "sort", "unique|list", "reverse|list", "join", "tojson", "sum", "max", "min", "wordcount", "dictsort", "items|list", "count", "center", "indent", "safe", "e", "forceescape", "batch(2)|list", "slice(2)|list"];
    private static readonly string[] Filters1 = ["join({0})", "default({0})", "replace({0}, 'Z')", "round({0})", "indent({0})", "center({0})", "trim({0})", "int({0})", "tojson(indent={0})", "select({0})|list", "map({0})|list", "truncate({0})", "format({0})", "batch({0})|list", "sort(attribute={0})", "selectattr({0})|list", "map(attribute={0})|list", "sum(attribute={0})", "attr({0})"];
    private static readonly string[] Tests = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence", "odd", "even", "boolean", "true", "false", "lower", "upper", "callable", "divisibleby 2", "eq 1", "in [1, 2]", "ge 2", "sameas none"];
    private static readonly string[] StringMethods = ["upper()", "lower()", "split()", "split(' ')", "strip()", "strip('H')", "startswith('H')", "endswith('d')", "replace('l', 'L')", "find('o')", "count('l')", "title()", "capitalize()", "center(15, '*')", "zfill(14)", "partition(' ')", "rsplit(' ', 1)", "splitlines()", "isalpha()", "lstrip('He')", "format(1)", "index('W')", "swapcase()", "ljust(13, '.')"];
    private static readonly string[] Others = ["range(3)", "dict(a=1)", "namespace(a=1).a", "d.a", "d['b']", "d.c[1]", "l[0]", "l[-1]", "l[1:]", "s[::-1]", "s[2:5]", "u8[1:4]", "msgs[0].role", "d.missing", "msgs|map(attribute='role')|list", "l[5]", "d.items()", "d.keys()|list", "d.get('a')", "l.index(1)",
        "(s|safe)", "('<a>'|e)", "('<'|safe)", "('a&b'|forceescape)", "(s|safe).replace('l', '<')", "(s|e).split()", "(s|safe)[1:]",
        "('{}<'|safe).format('<')", "('<'|safe).join(['<', '>'])", "('%s<'|safe) % '>'", "('%s'|safe) % ('<', )", "(u8|e)[2]"];
    private static readonly string[] Operators = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "not in"];

    private static string Atom(Random r, int depth)
    {
        double x = r.NextDouble();
        if (x < 0.25) return Pick(r, Names);
        if (x < 0.4) return Pick(r, Numbers);
        if (x < 0.55) return Pick(r, Strings);
        if (x < 0.6) return Pick(r, ["none", "true", "false", "None", "True"]);
        if (x < 0.7 && depth < 3) return "[" + string.Join(", ", Enumerable.Range(0, r.Next(4)).Select(_ => Expr(r, depth + 1))) + "]";
        if (x < 0.75 && depth < 3) return "{" + string.Join(", ", Enumerable.Range(0, r.Next(3)).Select(_ => $"{Pick(r, Strings)}: {Expr(r, depth + 1)}")) + "}";
        if (x < 0.8 && depth < 3) return "(" + string.Join(", ", Enumerable.Range(0, r.Next(2, 4)).Select(_ => Expr(r, depth + 1))) + ")";
        if (x < 0.9) return "s." + Pick(r, StringMethods);
        return Pick(r, Others);
    }

    private static string Expr(Random r, int depth = 0)
    {
        if (depth > 3) return Atom(r, depth);
        double x = r.NextDouble();
        if (x < 0.35) return Atom(r, depth);
        if (x < 0.55) return $"{Expr(r, depth + 1)} {Pick(r, Operators)} {Expr(r, depth + 1)}";
        if (x < 0.7) return $"{Atom(r, depth + 1)}|{Pick(r, Filters0)}";
        if (x < 0.78) return $"{Atom(r, depth + 1)}|{string.Format(Pick(r, Filters1), Atom(r, depth + 1))}";
        if (x < 0.86) return $"{Atom(r, depth + 1)} is {(r.Next(2) == 0 ? "" : "not ")}{Pick(r, Tests)}";
        if (x < 0.92) return $"{Expr(r, depth + 1)} if {Expr(r, depth + 1)} else {Expr(r, depth + 1)}";
        if (x < 0.96) return $"not {Expr(r, depth + 1)}";
        return "-" + Atom(r, depth + 1);
    }

    private static readonly string[] Text = ["a", "b", " ", "  ", "\n", "\n\n", "\t", " x ", "\n  ", "  \n", "\r\n", "é", "{", "}", "%", "#", "-", "+", " \n \n", "}}", "{ {"];

    private static string Chunk(Random r) => string.Concat(Enumerable.Range(0, r.Next(5)).Select(_ => Pick(r, Text)));

    private static string Mod(Random r) => Pick(r, ["", "", "-", "+"]);

    private static string Node(Random r, int depth)
    {
        double x = r.NextDouble();
        if (x < 0.3 || depth > 3) return Chunk(r);
        string V() => Pick(r, ["", "", "-"]);
        string Tag(string body) => "{%" + Mod(r) + " " + body + " " + Mod(r) + "%}";
        if (x < 0.45) return "{{" + V() + " " + Pick(r, ["'v'", "x", "loop.index if loop is defined else 'n'", "i", "'a\\nb'"]) + " " + V() + "}}";
        if (x < 0.55) return "{#" + Mod(r) + " c " + Pick(r, ["", "-", "+"]) + "#}";
        if (x < 0.7) return Tag("if " + Pick(r, ["true", "false", "x", "i > 1"])) + Body(r, depth) + (r.NextDouble() < 0.4 ? Tag("else") + Body(r, depth) : "") + Tag("endif");
        if (x < 0.82) return Tag("for i in [1, 2]") + Body(r, depth) + Tag("endfor");
        if (x < 0.9) return Tag("set x = 'S'");
        if (x < 0.95) return Tag("raw") + Chunk(r) + "{{ y }}" + Chunk(r) + Tag("endraw");
        return Tag("set y") + Body(r, depth) + Tag("endset") + "{{ y }}";
    }

    private static string Body(Random r, int depth) => string.Concat(Enumerable.Range(0, r.Next(5)).Select(_ => Node(r, depth + 1)));

    private static readonly string[] StatementNames = ["x", "y", "i", "k", "v", "ns.a", "loop.index", "loop.first", "loop.last", "loop.length", "loop.revindex0", "loop.previtem", "loop.nextitem", "m.role", "m.content", "l", "d"];

    private static string StatementExpr(Random r)
    {
        double x = r.NextDouble();
        if (x < 0.5) return Pick(r, StatementNames);
        if (x < 0.6) return Pick(r, ["1", "'s'", "none", "true"]);
        if (x < 0.8) return $"{Pick(r, StatementNames)} {Pick(r, ["~", "+", "==", "and", "or", "if"])} {Pick(r, StatementNames)}" + (r.NextDouble() < 0.5 ? " else 'e'" : "");
        return Pick(r, StatementNames) + "|" + Pick(r, ["length", "default('dd')", "string", "tojson", "upper", "list", "first"]);
    }

    private static string Statement(Random r, int depth)
    {
        string T(string body) => "{%" + Pick(r, ["", "", "-"]) + " " + body + " " + Pick(r, ["", "", "-"]) + "%}";
        string B() => Statements(r, depth);
        double x = r.NextDouble();
        if (x < 0.15 || depth > 3) return Pick(r, ["a", " ", "\n", "  \n", ""]);
        if (x < 0.35) return "{{ " + StatementExpr(r) + " }}";
        if (x < 0.45) return T("if " + StatementExpr(r)) + B() + (r.NextDouble() < 0.3 ? T("elif " + StatementExpr(r)) + B() : "") + (r.NextDouble() < 0.3 ? T("else") + B() : "") + T("endif");
        if (x < 0.57)
            return T("for " + Pick(r, ["i", "k, v", "m"]) + " in " + Pick(r, ["l", "d.items()", "messages", "range(3)", "[]", "x"]) + (r.NextDouble() < 0.2 ? " if " + StatementExpr(r) : ""))
                + B() + (r.NextDouble() < 0.2 ? T("else") + B() : "") + T("endfor");
        if (x < 0.65) return T("set " + Pick(r, ["x", "y", "i", "ns.a", "v"]) + " = " + StatementExpr(r));
        if (x < 0.68) return T("set ns = namespace(a=" + StatementExpr(r) + ")");
        if (x < 0.72) return T("macro mac(i, j=2)") + B() + T("endmacro") + "{{ mac(" + StatementExpr(r) + ") }}";
        if (x < 0.75) return "{{ mac(1, 2, 3, z=4) if mac is defined }}";
        if (x < 0.78) return T("macro wrap()") + "[{{ caller() }}]" + T("endmacro") + T("call wrap()") + B() + T("endcall");
        if (x < 0.81) return T("filter upper") + B() + T("endfilter");
        if (x < 0.84) return T("with y = " + StatementExpr(r)) + B() + T("endwith");
        if (x < 0.87) return T("set y") + B() + T("endset") + "{{ y }}";
        if (x < 0.9) return T(Pick(r, ["break", "continue"]));
        if (x < 0.93) return T("generation") + B() + T("endgeneration");
        return "{# c #}";
    }

    private static string Statements(Random r, int depth) => string.Concat(Enumerable.Range(0, r.Next(5)).Select(_ => Statement(r, depth + 1)));

    private static string Pick(Random r, string[] options) => options[r.Next(options.Length)];

    [Fact]
    public void Random_expressions_render_as_in_jinja2()
    {
        var r = new Random(20250115);
        var variables = JsonNode.Parse(Variables)!.AsObject();
        var cases = Enumerable.Range(0, 400).Select(i => new PythonTemplates.Case($"expr {i}", "{{ " + Expr(r) + " }}", variables)).ToList();
        PythonTemplates.AssertSameAsPython(cases);
    }

    [Fact]
    public void Random_tag_and_whitespace_layouts_render_as_in_jinja2()
    {
        var r = new Random(7);
        var variables = new JsonObject { ["x"] = "X", ["messages"] = new JsonArray() };
        var cases = Enumerable.Range(0, 400)
            .Select(i => new PythonTemplates.Case($"layout {i}", Body(r, 0) + Pick(r, ["", "\n", "\n\n", " "]), variables))
            .ToList();
        PythonTemplates.AssertSameAsPython(cases);
    }

    [Fact]
    public void Random_statement_nests_render_as_in_jinja2()
    {
        var r = new Random(11);
        var variables = JsonNode.Parse("""
            {"x": "X", "i": 5, "k": "K", "v": "V", "y": "Y", "ns": {"a": 0}, "m": {"role": "r", "content": "c"}, "l": [1, 2, 3], "d": {"a": 1, "b": 2},
             "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}
            """)!.AsObject();
        var cases = Enumerable.Range(0, 400).Select(i => new PythonTemplates.Case($"statements {i}", Statements(r, 0), variables)).ToList();
        PythonTemplates.AssertSameAsPython(cases);
    }
}
