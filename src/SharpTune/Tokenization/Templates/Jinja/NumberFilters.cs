using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The numeric filters: abs, int, float, round (Python's correctly rounded, ties to even), filesizeformat.</summary>
internal static partial class NumberFilters
{
    public static void Register(Dictionary<string, FilterFunction> t)
    {
        t["abs"] = (_, v, a) =>
        {
            a.ExpectNone("abs");
            return v switch
            {
                bool or long => PyTypes.AsLong(v) == long.MinValue ? throw JinjaError.Limit("integer result outside the 64-bit range") : (object)Math.Abs(PyTypes.AsLong(v)),
                double d => (object)Math.Abs(d),
                _ => throw JinjaError.Type($"bad operand type for abs(): '{PyTypes.Name(v)}'"),
            };
        };
        t["int"] = (_, v, a) =>
        {
            var p = a.Bind("int", ["default", "base"], [0L, 10L]);
            return ToInt(v, PyTypes.AsLong(p[1])) ?? p[0];
        };
        t["float"] = (_, v, a) =>
        {
            var p = a.Bind("float", ["default"], [0.0]);
            if (v is Undefined u) throw u.Fail();
            return ToFloat(v) ?? p[0];
        };
        t["round"] = (_, v, a) =>
        {
            var p = a.Bind("round", ["precision", "method"], [0L, "common"]);
            if (p[1] is not ("common" or "ceil" or "floor")) throw new JinjaError("FilterArgumentError", "method must be common, ceil or floor");
            if (!PyTypes.IsNumber(v)) throw JinjaError.Type($"type {PyTypes.Name(v)} doesn't define __round__ method");
            if (p[0] == null && (string)p[1]! == "common")
            {
                // round(x, None) is round(x): an int, ties to even.
                if (PyTypes.IsInteger(v)) return PyTypes.AsLong(v);
                double whole = Math.Round(PyTypes.AsDouble(v), MidpointRounding.ToEven);
                if (!double.IsFinite(whole) || Math.Abs(whole) >= 9.2e18) throw JinjaError.Value("cannot convert float infinity or NaN to integer");
                return (long)whole;
            }
            long precision = PyTypes.AsLong(p[0]);
            if ((string)p[1]! == "common")
            {
                if (PyTypes.IsInteger(v)) return RoundInt(PyTypes.AsLong(v), precision);
                return Round(PyTypes.AsDouble(v), precision);
            }
            double scale = Math.Pow(10, precision);
            double x = PyTypes.AsDouble(v) * scale;
            return ((string)p[1]! == "ceil" ? Math.Ceiling(x) : Math.Floor(x)) / scale;
        };
        t["filesizeformat"] = (_, v, a) =>
        {
            var p = a.Bind("filesizeformat", ["binary"], [false]);
            double bytes = ToFloat(v) ?? throw JinjaError.Value($"could not convert to float: {PyRepr.Repr(v)}");
            bool binary = PyOps.Truthy(p[0]);
            double b = binary ? 1024 : 1000;
            string[] prefixes = binary ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"] : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
            if (bytes == 1) return "1 Byte";
            if (bytes < b) return $"{(long)bytes} Bytes";
            double unit = 0;
            string prefix = "";
            for (int i = 0; i < prefixes.Length; i++)
            {
                unit = Math.Pow(b, i + 2);
                prefix = prefixes[i];
                if (bytes < unit) break;
            }
            return (b * bytes / unit).ToString("F1", CultureInfo.InvariantCulture) + " " + prefix;
        };
    }

    /// <summary>jinja2's <c>int</c> filter: int(value, base), else int(float(value)), else null (the default).</summary>
    private static object? ToInt(object? v, long numberBase)
    {
        switch (v)
        {
            case Undefined u: throw u.Fail();
            case bool or long: return PyTypes.AsLong(v);
            case double d: return double.IsFinite(d) && Math.Abs(d) < 9.2e18 ? (long)Math.Truncate(d) : null;
            case string or PyMarkup:
                var s = PyRepr.Str(v);
                var parsed = ParseInt(s, numberBase);
                if (parsed != null) return parsed;
                var f = ToFloat(s);
                return f is double x && double.IsFinite(x) && Math.Abs(x) < 9.2e18 ? (long)Math.Truncate(x) : null;
            default: return null;
        }
    }

    [GeneratedRegex(@"^[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$")]
    private static partial Regex DigitGroups();

    /// <summary>Python's <c>int(text, base)</c>, null when it raises ValueError.</summary>
    private static long? ParseInt(string text, long numberBase)
    {
        var s = PyText.Strip(text, null, true, true);
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.Length > 1 && s[0] == '0' && char.ToLowerInvariant(s[1]) is 'x' or 'o' or 'b')
        {
            long prefixBase = char.ToLowerInvariant(s[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            if (numberBase == 0 || numberBase == prefixBase)
            {
                numberBase = prefixBase;
                s = s[2..];
                if (s.StartsWith('_')) s = s[1..];
            }
        }
        else if (numberBase == 0)
        {
            if (s.Length > 1 && s.TrimStart('0', '_').Length > 0 && s[0] == '0') return null;
            numberBase = 10;
        }
        if (numberBase is < 2 or > 36 || s.Length == 0 || !DigitGroups().IsMatch(s)) return null;
        BigInteger value = 0;
        foreach (char c in s.Replace("_", ""))
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.ToLowerInvariant(c) - 'a' + 10;
            if (digit >= numberBase) return null;
            value = value * numberBase + digit;
        }
        if (negative) value = -value;
        if (value > long.MaxValue || value < long.MinValue) throw JinjaError.Limit("integer outside the 64-bit range");
        return (long)value;
    }

    [GeneratedRegex(@"^[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?$")]
    private static partial Regex FloatText();

    /// <summary>Python's <c>float(value)</c>, null when it raises TypeError or ValueError.</summary>
    public static double? ToFloat(object? v)
    {
        switch (v)
        {
            case bool or long: return PyTypes.AsLong(v);
            case double d: return d;
            case string or PyMarkup:
                var text = PyText.Strip(PyRepr.Str(v), null, true, true);
                var lower = text.ToLowerInvariant().TrimStart('+');
                if (lower is "inf" or "infinity") return double.PositiveInfinity;
                if (lower is "-inf" or "-infinity") return double.NegativeInfinity;
                if (lower is "nan" or "-nan") return double.NaN;
                if (!FloatText().IsMatch(text)) return null;
                return double.Parse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
            default: return null;
        }
    }

    private static object RoundInt(long x, long precision)
    {
        if (precision >= 0) return x;
        if (precision < -18) return 0L;
        long scale = (long)Math.Pow(10, -precision);
        var q = BigInteger.DivRem(x, scale, out var r);
        if (r < 0)
        {
            r += scale;
            q -= 1;
        }
        var twice = r * 2;
        if (twice > scale || (twice == scale && !q.IsEven)) q += 1;
        return (long)(q * scale);
    }

    /// <summary>Python's <c>round(x, ndigits)</c> on a float: exact decimal rounding of the binary value, ties to even.</summary>
    public static double Round(double x, long ndigits)
    {
        if (!double.IsFinite(x) || x == 0) return x;
        if (ndigits > 330) return x;
        if (ndigits < -330) return 0.0 * Math.Sign(x);
        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++;
        else mantissa |= 1L << 52;
        exponent -= 1075;
        // |x| = mantissa * 2^exponent; scaled = |x| * 10^ndigits as the fraction num/den.
        BigInteger num = mantissa, den = BigInteger.One;
        if (exponent > 0) num <<= exponent;
        else den <<= -exponent;
        if (ndigits >= 0) num *= BigInteger.Pow(10, (int)ndigits);
        else den *= BigInteger.Pow(10, (int)-ndigits);
        var q = BigInteger.DivRem(num, den, out var rem);
        var twice = rem * 2;
        if (twice > den || (twice == den && !q.IsEven)) q += 1;
        string digits = q.ToString(CultureInfo.InvariantCulture);
        string text = ndigits >= 0 ? digits + "e-" + ndigits : digits + "e" + (-ndigits);
        double result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return negative ? -result : result;
    }
}
