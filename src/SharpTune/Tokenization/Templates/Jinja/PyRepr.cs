using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>Python's <c>str()</c> and <c>repr()</c> of template values, which is what <c>{{ x }}</c> prints.</summary>
internal static class PyRepr
{
    public static string Str(object? value) => value switch
    {
        string s => s,
        PyMarkup m => m.Value,
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, 0);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > 200) throw JinjaError.Value("value is nested too deeply to print");
        if (sb.Length > Limits.MaxStringLength) throw Limits.StringTooLong();
        switch (value)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(PyFloat.Repr(d)); break;
            case string s: AppendStringRepr(sb, s); break;
            case PyMarkup m: sb.Append("Markup("); AppendStringRepr(sb, m.Value); sb.Append(')'); break;
            case Undefined: sb.Append("Undefined"); break;
            case PyList list: AppendList(sb, list, depth); break;
            case PyDict dict: AppendDict(sb, dict, depth); break;
            case PyNamespace ns:
                sb.Append("<Namespace ");
                AppendDict(sb, ns.Attributes, depth);
                sb.Append('>');
                break;
            case PyCallable { IsMacro: true } m: sb.Append("<Macro '").Append(m.Name).Append("'>"); break;
            case PyCallable c: sb.Append("<built-in function ").Append(c.Name).Append('>'); break;
            case LoopContext loop: sb.Append("<LoopContext ").Append(loop.Index0 + 1).Append('/').Append(loop.Length).Append('>'); break;
            case PyIterator it: sb.Append('<').Append(it.TypeName).Append(" object>"); break;
            default: throw new InvalidOperationException("not a template value: " + value.GetType());
        }
    }

    private static void AppendList(StringBuilder sb, PyList list, int depth)
    {
        switch (list.Kind)
        {
            case PyListKind.Range:
                var (start, stop, step) = list.RangeArgs;
                sb.Append("range(").Append(start).Append(", ").Append(stop);
                if (step != 1) sb.Append(", ").Append(step);
                sb.Append(')');
                return;
            case PyListKind.DictKeys: sb.Append("dict_keys("); break;
            case PyListKind.DictValues: sb.Append("dict_values("); break;
            case PyListKind.DictItems: sb.Append("dict_items("); break;
        }
        bool tuple = list.Kind == PyListKind.Tuple;
        sb.Append(tuple ? '(' : '[');
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            AppendRepr(sb, list[i], depth + 1);
        }
        if (tuple && list.Count == 1) sb.Append(',');
        sb.Append(tuple ? ')' : ']');
        if (list.Kind is PyListKind.DictKeys or PyListKind.DictValues or PyListKind.DictItems) sb.Append(')');
    }

    private static void AppendDict(StringBuilder sb, PyDict dict, int depth)
    {
        sb.Append('{');
        bool first = true;
        foreach (var (k, v) in dict.Items)
        {
            if (!first) sb.Append(", ");
            first = false;
            AppendRepr(sb, k, depth + 1);
            sb.Append(": ");
            AppendRepr(sb, v, depth + 1);
        }
        sb.Append('}');
    }

    /// <summary>Python's string repr: single quotes unless the text has a single quote and no double quote; non-printables escaped.</summary>
    public static void AppendStringRepr(StringBuilder sb, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (int i = 0; i < s.Length; i++)
        {
            int cp = s[i];
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                cp = char.ConvertToUtf32(s[i], s[i + 1]);
                i++;
            }
            if (cp == quote || cp == '\\') sb.Append('\\').Append((char)cp);
            else if (cp == '\t') sb.Append("\\t");
            else if (cp == '\n') sb.Append("\\n");
            else if (cp == '\r') sb.Append("\\r");
            else if (cp < ' ' || cp == 0x7f) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp < 0x7f) sb.Append((char)cp);
            else if (PyText.IsPrintable(cp)) sb.Append(char.ConvertFromUtf32(cp));
            else if (cp <= 0xff) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp <= 0xffff) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }
}
