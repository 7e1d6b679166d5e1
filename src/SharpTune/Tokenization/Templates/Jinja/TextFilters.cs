using System.Text;
using System.Text.RegularExpressions;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The string filters: trim, upper, lower, title, capitalize, replace, center, indent, truncate, wordcount, format, escape, string, safe.</summary>
internal static partial class TextFilters
{
    public static void Register(Dictionary<string, FilterFunction> t)
    {
        t["trim"] = (_, v, a) =>
        {
            var chars = a.Bind("trim", ["chars"], [null])[0];
            return Keep(v, PyText.Strip(PyRepr.Str(v), chars == null ? null : StringMethods.Str(chars, "strip"), true, true));
        };
        t["upper"] = (_, v, a) => Plain(a, "upper", Keep(v, PyText.Upper(PyRepr.Str(v))));
        t["lower"] = (_, v, a) => Plain(a, "lower", Keep(v, PyText.Lower(PyRepr.Str(v))));
        t["capitalize"] = (_, v, a) => Plain(a, "capitalize", Keep(v, PyText.Capitalize(PyRepr.Str(v))));
        t["title"] = (_, v, a) => Plain(a, "title", Title(PyRepr.Str(v)));
        t["string"] = (_, v, a) => Plain(a, "string", v is PyMarkup ? v : PyRepr.Str(v));
        t["safe"] = (_, v, a) => Plain(a, "safe", v as PyMarkup ?? new PyMarkup(PyRepr.Str(v)));
        t["escape"] = t["e"] = (_, v, a) => Plain(a, "escape", PyMarkup.Escape(v));
        t["forceescape"] = (_, v, a) => Plain(a, "forceescape", new PyMarkup(PyMarkup.EscapeText(PyRepr.Str(v))));
        t["wordcount"] = (_, v, a) => Plain(a, "wordcount", PyText.WordCount(PyRepr.Str(v)));
        t["replace"] = (_, v, a) =>
        {
            var p = a.Bind("replace", ["old", "new", "count"], [CallArguments.Required, CallArguments.Required, null]);
            long count = p[2] == null ? -1 : PyTypes.IsInteger(p[2]) ? PyTypes.AsLong(p[2]) : throw JinjaError.Type("replace() count must be an integer");
            return PyText.Replace(PyRepr.Str(v), PyRepr.Str(p[0]), PyRepr.Str(p[1]), count);
        };
        t["center"] = (_, v, a) =>
        {
            var width = a.Bind("center", ["width"], [80L])[0];
            return Keep(v, PyText.Center(PyRepr.Str(v), PyTypes.IsInteger(width) ? PyTypes.AsLong(width) : throw JinjaError.Type("center() width must be an integer")));
        };
        t["indent"] = (_, v, a) => Indent(v, a);
        t["truncate"] = (_, v, a) => Truncate(v, a);
        t["format"] = (_, v, a) =>
        {
            if (a.Positional.Count > 0 && a.Keywords.Count > 0) throw new JinjaError("FilterArgumentError", "can't handle positional and keyword arguments at the same time");
            object? args;
            if (a.Keywords.Count > 0)
            {
                var d = new PyDict();
                foreach (var (k, x) in a.Keywords) d.Set(k, x);
                args = d;
            }
            else args = new PyList(a.Positional.ToArray(), PyListKind.Tuple);
            return v is PyMarkup m ? PyMarkup.Percent(m, args) : PyFormat.Percent(PyRepr.Str(v), args);
        };
    }

    /// <summary>A filter's result on Markup input stays Markup (jinja2 calls the Markup's own method).</summary>
    private static object Keep(object? input, string result) => input is PyMarkup ? new PyMarkup(result) : result;

    private static object Plain(CallArguments a, string name, object result)
    {
        a.ExpectNone(name);
        return result;
    }

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginning();

    /// <summary>jinja2's <c>title</c> filter: capitalizes each word after <c>-</c>, whitespace or an opening bracket.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var item in WordBeginning().Split(s))
        {
            if (item.Length == 0) continue;
            var chars = PyText.Chars(item);
            sb.Append(PyText.Upper(chars[0])).Append(PyText.Lower(string.Concat(chars[1..])));
        }
        return sb.ToString();
    }

    private static object Indent(object? v, CallArguments a)
    {
        var p = a.Bind("indent", ["width", "first", "blank"], [4L, false, false]);
        if (v is Undefined u) throw u.Fail();
        if (!PyTypes.TryText(v, out var s)) throw JinjaError.Type($"unsupported operand type(s) for +=: '{PyTypes.Name(v)}' and 'str'");
        string indention = p[0] switch
        {
            string or PyMarkup => PyRepr.Str(p[0]),
            _ when PyTypes.IsInteger(p[0]) => PyText.Repeat(" ", PyTypes.AsLong(p[0])),
            _ => throw JinjaError.Type($"can't multiply sequence by non-int of type '{PyTypes.Name(p[0])}'"),
        };
        s += "\n";
        var lines = PyText.SplitLines(s, false);
        string rv;
        if (PyOps.Truthy(p[2])) rv = string.Join("\n" + indention, lines);
        else
        {
            rv = lines[0];
            if (lines.Count > 1) rv += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indention + line : line));
        }
        if (PyOps.Truthy(p[1])) rv = indention + rv;
        Limits.CheckString(rv.Length);
        return Keep(v, rv);
    }

    private static object? Truncate(object? v, CallArguments a)
    {
        var p = a.Bind("truncate", ["length", "killwords", "end", "leeway"], [255L, false, "...", null]);
        var end = StringMethods.Str(p[2], "truncate");
        var leewayValue = p[3] ?? 5L;
        long endLen = PyText.Length(end);
        if (!PyOps.Order(">=", p[0], endLen)) throw new JinjaError("AssertionError", $"expected length >= {endLen}, got {PyRepr.Str(p[0])}");
        if (!PyOps.Order(">=", leewayValue, 0L)) throw new JinjaError("AssertionError", $"expected leeway >= 0, got {PyRepr.Str(leewayValue)}");
        if (PyOps.Order("<=", PyOps.Len(v), PyArithmetic.Binary("+", p[0], leewayValue))) return v;
        if (!PyTypes.TryText(v, out var s)) throw JinjaError.Type($"can only concatenate {PyTypes.Name(v)} (not \"str\") to {PyTypes.Name(v)}");
        if (v is PyMarkup) end = PyMarkup.EscapeText(end);
        long length = PyTypes.AsLong(p[0]);
        var head = string.Concat(PyText.Chars(s).Take((int)Math.Max(0, length - endLen)));
        if (PyOps.Truthy(p[1])) return Keep(v, head + end);
        return Keep(v, PyText.RSplit(head, " ", 1)[0] + end);
    }
}
