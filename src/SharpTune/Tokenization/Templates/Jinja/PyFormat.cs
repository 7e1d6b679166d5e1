using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Python's two string formatting languages as far as templates use them: <c>"%s" % x</c> (and the
/// <c>format</c> filter) and <c>"{}".format(x)</c> (sandboxed: fields reach only template values).
/// </summary>
internal static class PyFormat
{
    /// <summary>
    /// printf-style <c>format % args</c>: args is a tuple, a dict (for <c>%(name)s</c>) or one value.
    /// <paramref name="str"/> and <paramref name="repr"/>, when given, turn what %s and %r insert into text (Markup escapes it).
    /// </summary>
    public static string Percent(string format, object? args, Func<object?, string>? str = null, Func<object?, string>? repr = null)
    {
        str ??= PyRepr.Str;
        repr ??= PyRepr.Repr;
        var values = args is PyList { Kind: PyListKind.Tuple } t ? t.Items : [args];
        var mapping = args as PyDict;
        int next = 0;
        var sb = new StringBuilder();
        object? Next()
        {
            if (next >= values.Length) throw JinjaError.Type("not enough arguments for format string");
            return values[next++];
        }
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i++];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (i >= format.Length) throw JinjaError.Value("incomplete format");
            object? value = null;
            bool haveValue = false;
            if (format[i] == '(')
            {
                int close = format.IndexOf(')', i);
                if (close < 0) throw JinjaError.Value("incomplete format key");
                if (mapping == null) throw JinjaError.Type("format requires a mapping");
                var key = format[(i + 1)..close];
                if (!mapping.TryGet(key, out value)) throw new JinjaError("KeyError", PyRepr.Repr(key));
                haveValue = true;
                i = close + 1;
            }
            var spec = new Spec();
            while (i < format.Length && "#0- +".Contains(format[i]))
            {
                switch (format[i])
                {
                    case '#': spec.Alternate = true; break;
                    case '0': spec.Fill = '0'; spec.Align = '='; break;
                    case '-': spec.Align = '<'; break;
                    case ' ': spec.Sign = ' '; break;
                    case '+': spec.Sign = '+'; break;
                }
                i++;
            }
            if (spec.Align == '<' && spec.Fill == '0') spec.Fill = ' ';
            if (i < format.Length && format[i] == '*') { spec.Width = (int)PyTypes.AsLong(Next()); i++; }
            else spec.Width = ReadNumber(format, ref i);
            if (i < format.Length && format[i] == '.')
            {
                i++;
                if (i < format.Length && format[i] == '*') { spec.Precision = (int)PyTypes.AsLong(Next()); i++; }
                else spec.Precision = ReadNumber(format, ref i) ?? 0;
            }
            while (i < format.Length && format[i] is 'h' or 'l' or 'L') i++;
            if (i >= format.Length) throw JinjaError.Value("incomplete format");
            char type = format[i++];
            if (type == '%')
            {
                sb.Append('%');
                continue;
            }
            if (!haveValue) value = Next();
            spec.Type = type;
            if (spec.Align == '\0') spec.Align = '>';
            sb.Append(type switch
            {
                's' => Pad(str(value), spec, precisionTruncates: true),
                'r' or 'a' => Pad(repr(value), spec, precisionTruncates: true),
                'c' => Pad(PyTypes.TryText(value, out var ch) ? ch : char.ConvertFromUtf32((int)PyTypes.AsLong(value)), spec, false),
                'd' or 'i' or 'u' => FormatNumber(ToIntForPercent(value, type), spec with { Type = 'd', Precision = null }),
                'x' or 'X' or 'o' => FormatNumber(ToIntForPercent(value, type), spec with { Precision = null }),
                'e' or 'E' or 'f' or 'F' or 'g' or 'G' => FormatNumber(ToFloat(value), spec with { Precision = spec.Precision ?? 6 }),
                _ => throw JinjaError.Value($"unsupported format character '{type}'"),
            });
            Limits.CheckString(sb.Length);
        }
        // Python skips this check when the argument is a mapping or any other non-tuple, non-string sequence.
        bool lenient = mapping != null || args is PyList { Kind: PyListKind.List or PyListKind.Range } or Undefined;
        if (!lenient && next < values.Length) throw JinjaError.Type("not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static int? ReadNumber(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i > start ? int.Parse(s[start..i], CultureInfo.InvariantCulture) : null;
    }

    private static object ToIntForPercent(object? v, char type) => v switch
    {
        bool or long => PyTypes.AsLong(v),
        double d => double.IsFinite(d) ? (long)Math.Truncate(d) : throw JinjaError.Value("cannot convert float infinity or NaN to integer"),
        _ => throw JinjaError.Type($"%{type} format: a real number is required, not {PyTypes.Name(v)}"),
    };

    private static double ToFloat(object? v) =>
        PyTypes.IsNumber(v) ? PyTypes.AsDouble(v) : throw JinjaError.Type($"must be real number, not {PyTypes.Name(v)}");

    /// <summary><c>str.format(*args, **kwargs)</c>, the fields resolved through the sandboxed attribute and item lookups.</summary>
    public static string Format(string format, CallArguments args, Func<object?, string, object?> getAttr, Func<object?, object?, object?> getItem)
    {
        var sb = new StringBuilder();
        int auto = 0;
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i += 2; continue; }
                throw JinjaError.Value("Single '}' encountered in format string");
            }
            if (c != '{')
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i += 2; continue; }
            int close = format.IndexOf('}', i);
            if (close < 0) throw JinjaError.Value("Single '{' encountered in format string");
            var field = format[(i + 1)..close];
            if (field.Contains('{')) throw JinjaError.Value("nested replacement fields in a format spec are not supported");
            i = close + 1;
            string? specText = null;
            char conversion = '\0';
            int colon = field.IndexOf(':');
            if (colon >= 0) { specText = field[(colon + 1)..]; field = field[..colon]; }
            int bang = field.IndexOf('!');
            if (bang >= 0)
            {
                if (bang + 2 != field.Length) throw JinjaError.Value("expected ':' after conversion specifier");
                conversion = field[bang + 1];
                field = field[..bang];
            }
            var value = ResolveField(field, args, ref auto, getAttr, getItem);
            if (conversion == 'r' || conversion == 'a') value = PyRepr.Repr(value);
            else if (conversion == 's') value = PyRepr.Str(value);
            else if (conversion != '\0') throw JinjaError.Value($"Unknown conversion specifier {conversion}");
            sb.Append(FormatValue(value, specText ?? ""));
            Limits.CheckString(sb.Length);
        }
        return sb.ToString();
    }

    private static object? ResolveField(string field, CallArguments args, ref int auto, Func<object?, string, object?> getAttr, Func<object?, object?, object?> getItem)
    {
        int end = 0;
        while (end < field.Length && field[end] != '.' && field[end] != '[') end++;
        var first = field[..end];
        object? value;
        if (first.Length == 0 || first.All(char.IsAsciiDigit))
        {
            int index = first.Length == 0 ? auto++ : int.Parse(first, CultureInfo.InvariantCulture);
            if (index >= args.Positional.Count) throw new JinjaError("IndexError", $"Replacement index {index} out of range for positional args tuple");
            value = args.Positional[index];
        }
        else
        {
            var kw = args.Keywords.FirstOrDefault(k => k.Key == first);
            if (kw.Key == null) throw new JinjaError("KeyError", PyRepr.Repr(first));
            value = kw.Value;
        }
        int p = end;
        while (p < field.Length)
        {
            if (field[p] == '.')
            {
                int q = p + 1;
                while (q < field.Length && field[q] != '.' && field[q] != '[') q++;
                value = getAttr(value, field[(p + 1)..q]);
                p = q;
            }
            else
            {
                int q = field.IndexOf(']', p);
                if (q < 0) throw JinjaError.Value("Missing ']' in format string");
                var key = field[(p + 1)..q];
                value = getItem(value, key.Length > 0 && key.All(char.IsAsciiDigit) ? long.Parse(key, CultureInfo.InvariantCulture) : key);
                p = q + 1;
            }
        }
        return value;
    }

    /// <summary>Python's <c>format(value, spec)</c> for strings, ints and floats.</summary>
    public static string FormatValue(object? value, string specText)
    {
        if (specText.Length == 0) return PyRepr.Str(value);
        var spec = ParseSpec(specText);
        if (PyTypes.TryText(value, out var s))
        {
            if (spec.Type is not ('\0' or 's')) throw JinjaError.Value($"Unknown format code '{spec.Type}' for object of type 'str'");
            if (spec.Align == '\0') spec.Align = '<';
            return Pad(s, spec, precisionTruncates: true);
        }
        if (spec.Align == '\0') spec.Align = '>';
        if (PyTypes.IsInteger(value))
        {
            if (spec.Type is 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%') return FormatNumber(PyTypes.AsDouble(value), spec with { Precision = spec.Precision ?? 6 });
            return FormatNumber(PyTypes.AsLong(value), spec with { Type = spec.Type == '\0' ? 'd' : spec.Type });
        }
        if (value is double d)
        {
            if (spec.Type == '\0')
            {
                if (spec.Precision == null) return Pad(PyFloat.Repr(Math.Abs(d)), spec, false, Sign(double.IsNegative(d) && !double.IsNaN(d), spec));
                spec.Type = 'g';
            }
            return FormatNumber(d, spec with { Precision = spec.Precision ?? 6 });
        }
        throw JinjaError.Type($"unsupported format string passed to {PyTypes.Name(value)}.__format__");
    }

    private static Spec ParseSpec(string text)
    {
        var spec = new Spec();
        int i = 0;
        if (text.Length >= 2 && "<>=^".Contains(text[1])) { spec.Fill = text[0]; spec.Align = text[1]; i = 2; }
        else if (text.Length >= 1 && "<>=^".Contains(text[0])) { spec.Align = text[0]; i = 1; }
        if (i < text.Length && "+- ".Contains(text[i])) spec.Sign = text[i++];
        if (i < text.Length && text[i] == '#') { spec.Alternate = true; i++; }
        if (i < text.Length && text[i] == '0')
        {
            if (spec.Align == '\0') { spec.Fill = '0'; spec.Align = '='; }
            i++;
        }
        spec.Width = ReadNumber(text, ref i);
        if (i < text.Length && text[i] is ',' or '_') spec.Grouping = text[i++];
        if (i < text.Length && text[i] == '.')
        {
            i++;
            spec.Precision = ReadNumber(text, ref i) ?? throw JinjaError.Value("Format specifier missing precision");
        }
        if (i < text.Length) spec.Type = text[i++];
        if (i != text.Length) throw JinjaError.Value("Invalid format specifier");
        return spec;
    }

    private static string Sign(bool negative, Spec spec) => negative ? "-" : spec.Sign is '+' or ' ' ? spec.Sign.ToString() : "";

    private static string FormatNumber(object number, Spec spec)
    {
        string body, sign;
        if (number is long l)
        {
            sign = Sign(l < 0, spec);
            ulong abs = l < 0 ? (ulong)(-(l + 1)) + 1 : (ulong)l;
            string prefix = "";
            switch (spec.Type)
            {
                case 'd' or 'n': body = abs.ToString(CultureInfo.InvariantCulture); break;
                case 'x': body = abs.ToString("x", CultureInfo.InvariantCulture); prefix = spec.Alternate ? "0x" : ""; break;
                case 'X': body = abs.ToString("X", CultureInfo.InvariantCulture); prefix = spec.Alternate ? "0X" : ""; break;
                case 'o': body = Convert.ToString((long)abs, 8); prefix = spec.Alternate ? "0o" : ""; break;
                case 'b': body = Convert.ToString((long)abs, 2); prefix = spec.Alternate ? "0b" : ""; break;
                case 'c': return Pad(char.ConvertFromUtf32((int)l), spec, false);
                default: throw JinjaError.Value($"Unknown format code '{spec.Type}' for object of type 'int'");
            }
            if (spec.Grouping != '\0') body = Group(body, spec.Grouping);
            return Pad(body, spec, false, sign + prefix);
        }
        double d = (double)number;
        sign = Sign(double.IsNegative(d) && !double.IsNaN(d), spec);
        double a = Math.Abs(d);
        int p = spec.Precision ?? 6;
        bool upper = spec.Type is 'E' or 'F' or 'G';
        if (!double.IsFinite(a)) body = double.IsNaN(a) ? "nan" : "inf";
        else
        {
            body = spec.Type switch
            {
                'f' or 'F' => a.ToString("F" + p, CultureInfo.InvariantCulture),
                'e' or 'E' => Exponent(a, p),
                'g' or 'G' => General(a, p, spec.Alternate),
                '%' => (a * 100).ToString("F" + p, CultureInfo.InvariantCulture) + "%",
                _ => throw JinjaError.Value($"Unknown format code '{spec.Type}' for object of type 'float'"),
            };
            if (spec.Alternate && p == 0 && spec.Type is 'f' or 'F' or 'e' or 'E') body = body.Contains('e') ? body.Insert(body.IndexOf('e'), ".") : body + ".";
            if (spec.Grouping != '\0')
            {
                int dot = body.IndexOfAny(['.', 'e', '%']);
                body = dot < 0 ? Group(body, spec.Grouping) : Group(body[..dot], spec.Grouping) + body[dot..];
            }
        }
        if (upper) body = body.ToUpperInvariant();
        return Pad(body, spec, false, sign);
    }

    private static string Exponent(double a, int p)
    {
        var s = a.ToString("E" + p, CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        int exp = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
        return s[..e] + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string General(double a, int p, bool alternate)
    {
        if (p == 0) p = 1;
        if (a == 0) return alternate ? "0." + new string('0', p - 1) : "0";
        var e = a.ToString("E" + (p - 1), CultureInfo.InvariantCulture);
        int exp = int.Parse(e[(e.IndexOf('E') + 1)..], CultureInfo.InvariantCulture);
        string s = exp >= -4 && exp < p ? a.ToString("F" + (p - 1 - exp), CultureInfo.InvariantCulture) : Exponent(a, p - 1);
        if (alternate) return s;
        int ePos = s.IndexOf('e');
        string mantissa = ePos < 0 ? s : s[..ePos], tail = ePos < 0 ? "" : s[ePos..];
        if (mantissa.Contains('.')) mantissa = mantissa.TrimEnd('0').TrimEnd('.');
        return mantissa + tail;
    }

    private static string Group(string digits, char separator)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % 3 == 0) sb.Append(separator);
            sb.Append(digits[i]);
        }
        return sb.ToString();
    }

    private static string Pad(string body, Spec spec, bool precisionTruncates, string prefix = "")
    {
        if (precisionTruncates && spec.Precision is int p && PyText.Length(body) > p) body = PyText.FromCodePoints(PyText.CodePoints(body)[..p]);
        int width = spec.Width ?? 0;
        int len = PyText.Length(prefix + body);
        if (len >= width) return prefix + body;
        var fill = (spec.Fill == '\0' ? ' ' : spec.Fill).ToString();
        int pad = Limits.CheckString(width - len);
        return spec.Align switch
        {
            '<' => prefix + body + PyText.Repeat(fill, pad),
            '^' => PyText.Repeat(fill, pad / 2) + prefix + body + PyText.Repeat(fill, pad - pad / 2),
            '=' => prefix + PyText.Repeat(fill, pad) + body,
            _ => PyText.Repeat(fill, pad) + prefix + body,
        };
    }

    private record struct Spec
    {
        public char Fill;
        public char Align;
        public char Sign;
        public bool Alternate;
        public int? Width;
        public char Grouping;
        public int? Precision;
        public char Type;
    }
}
