using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Python's <c>json.dumps(value, ensure_ascii, indent, separators, sort_keys)</c>, which is what transformers'
/// <c>tojson</c> filter calls; the output matches it byte for byte.
/// </summary>
internal static class PyJson
{
    public static string Dumps(object? value, bool ensureAscii, object? indent, object? separators, bool sortKeys)
    {
        // As Python's json.dumps: a string is encoded directly (indent and separators unused); for anything else a
        // non-string indent is multiplied out (' ' * indent) and the separators unpacked up front.
        if (PyTypes.TryText(value, out var text))
        {
            var direct = new StringBuilder();
            new Writer(direct, ensureAscii, null, ", ", ": ", false).Write(text, 0);
            return direct.ToString();
        }
        string? indentText = indent switch
        {
            null => null,
            string or PyMarkup => PyRepr.Str(indent),
            bool or long => new string(' ', (int)Math.Clamp(PyTypes.AsLong(indent), 0, 1000)),
            _ => throw JinjaError.Type($"can't multiply sequence by non-int of type '{PyTypes.Name(indent)}'"),
        };
        string itemSep = indentText == null ? ", " : ",", keySep = ": ";
        if (separators != null)
        {
            var pair = PyOps.ToList(separators);
            if (pair.Count != 2) throw JinjaError.Value($"{(pair.Count > 2 ? "too many" : "not enough")} values to unpack (expected 2)");
            if (pair[0] is not string a || pair[1] is not string b) throw JinjaError.Type("json separators must be strings");
            (itemSep, keySep) = (a, b);
        }
        var sb = new StringBuilder();
        new Writer(sb, ensureAscii, indentText, itemSep, keySep, sortKeys).Write(value, 0);
        return sb.ToString();
    }

    private sealed class Writer(StringBuilder sb, bool ensureAscii, string? indent, string itemSep, string keySep, bool sortKeys)
    {

        public void Write(object? value, int level)
        {
            if (level > 200) throw JinjaError.Value("value is nested too deeply for JSON");
            if (sb.Length > Limits.MaxStringLength) throw Limits.StringTooLong();
            switch (value)
            {
                case null: sb.Append("null"); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: sb.Append(Float(d)); break;
                case string s: WriteString(s); break;
                case PyMarkup m: WriteString(m.Value); break;
                case PyList { Kind: PyListKind.List or PyListKind.Tuple } list: WriteList(list, level); break;
                case PyDict dict: WriteDict(dict, level); break;
                default: throw JinjaError.Type($"Object of type {PyTypes.Name(value)} is not JSON serializable");
            }
        }

        private static string Float(double d) =>
            double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyFloat.Repr(d);

        private void NewLine(int level)
        {
            sb.Append('\n');
            for (int i = 0; i < level; i++) sb.Append(indent);
        }

        private void WriteList(PyList list, int level)
        {
            if (list.Count == 0)
            {
                sb.Append("[]");
                return;
            }
            sb.Append('[');
            if (indent != null) NewLine(level + 1);
            for (int i = 0; i < list.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(itemSep);
                    if (indent != null) NewLine(level + 1);
                }
                Write(list[i], level + 1);
            }
            if (indent != null) NewLine(level);
            sb.Append(']');
        }

        private void WriteDict(PyDict dict, int level)
        {
            if (dict.Count == 0)
            {
                sb.Append("{}");
                return;
            }
            var items = dict.Items.ToList();
            if (sortKeys) items = SequenceFilters.Sorted(items.Select(kv => (object?)kv).ToList(), kv => ((KeyValuePair<object?, object?>)kv!).Key, false).Select(kv => (KeyValuePair<object?, object?>)kv!).ToList();
            sb.Append('{');
            if (indent != null) NewLine(level + 1);
            bool first = true;
            foreach (var (k, v) in items)
            {
                if (!first)
                {
                    sb.Append(itemSep);
                    if (indent != null) NewLine(level + 1);
                }
                first = false;
                WriteString(k switch
                {
                    string s => s,
                    PyMarkup m => m.Value,
                    bool b => b ? "true" : "false",
                    null => "null",
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    double d => Float(d),
                    _ => throw JinjaError.Type($"keys must be str, int, float, bool or None, not {PyTypes.Name(k)}"),
                });
                sb.Append(keySep);
                Write(v, level + 1);
            }
            if (indent != null) NewLine(level);
            sb.Append('}');
        }

        private void WriteString(string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < ' ' || (ensureAscii && c > '~')) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
