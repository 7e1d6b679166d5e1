namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Python's arithmetic operators on template values: int (64-bit here; overflow is an error where Python would
/// grow), float, str and list repetition and concatenation, floor division and modulo that round toward -∞.
/// </summary>
internal static class PyArithmetic
{
    public static object? Binary(string op, object? a, object? b)
    {
        // str % x formats before x is looked at (Undefined counts as a mapping there, as in Python).
        if (op == "%" && a is string format) return PyFormat.Percent(format, b);
        if (op == "%" && a is PyMarkup markupFormat) return PyMarkup.Percent(markupFormat, b);
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined u2) throw u2.Fail();
        return op switch
        {
            "+" => Add(a, b),
            "-" => Numeric(op, a, b, (x, y) => checked(x - y), (x, y) => x - y),
            "*" => Mul(a, b),
            "/" => Div(a, b),
            "//" => FloorDiv(a, b),
            "%" => Mod(a, b),
            "**" => Pow(a, b),
            _ => throw new InvalidOperationException(op),
        };
    }

    private static JinjaError Unsupported(string op, object? a, object? b) =>
        JinjaError.Type($"unsupported operand type(s) for {op}: '{PyTypes.Name(a)}' and '{PyTypes.Name(b)}'");

    private static object Numeric(string op, object? a, object? b, Func<long, long, long> ints, Func<double, double, double> floats)
    {
        if (!PyTypes.IsNumber(a) || !PyTypes.IsNumber(b)) throw Unsupported(op, a, b);
        if (PyTypes.IsInteger(a) && PyTypes.IsInteger(b))
        {
            try { return ints(PyTypes.AsLong(a), PyTypes.AsLong(b)); }
            catch (OverflowException) { throw JinjaError.Limit("integer result outside the 64-bit range"); }
        }
        return floats(PyTypes.AsDouble(a), PyTypes.AsDouble(b));
    }

    private static object? Add(object? a, object? b)
    {
        if (a is PyMarkup m)
        {
            if (!PyTypes.IsText(b)) throw Unsupported("+", a, b);
            return new PyMarkup((string)Add(m.Value, PyMarkup.Escape(b).Value)!);
        }
        if (b is PyMarkup right)
        {
            if (!PyTypes.IsText(a)) throw Unsupported("+", a, b);
            return new PyMarkup((string)Add(PyMarkup.Escape(a).Value, right.Value)!);
        }
        if (a is string s)
        {
            if (b is string t) return string.Concat(s, t).Length <= Limits.MaxStringLength ? s + t : throw Limits.StringTooLong();
            throw JinjaError.Type($"can only concatenate str (not \"{PyTypes.Name(b)}\") to str");
        }
        if (a is PyList { Kind: PyListKind.List or PyListKind.Tuple } x)
        {
            if (b is PyList y && y.Kind == x.Kind)
            {
                Limits.CheckList((long)x.Count + y.Count);
                return new PyList([.. x.Items, .. y.Items], x.Kind);
            }
            throw JinjaError.Type($"can only concatenate {PyTypes.Name(x)} (not \"{PyTypes.Name(b)}\") to {PyTypes.Name(x)}");
        }
        return Numeric("+", a, b, (p, q) => checked(p + q), (p, q) => p + q);
    }

    private static object? Mul(object? a, object? b)
    {
        if (PyTypes.IsInteger(a) && b is string or PyList or PyMarkup) (a, b) = (b, a);
        if (a is PyMarkup m)
        {
            if (!PyTypes.IsInteger(b)) throw JinjaError.Type($"can't multiply sequence by non-int of type '{PyTypes.Name(b)}'");
            return new PyMarkup(PyText.Repeat(m.Value, PyTypes.AsLong(b)));
        }
        if (a is string s)
        {
            if (!PyTypes.IsInteger(b)) throw JinjaError.Type($"can't multiply sequence by non-int of type '{PyTypes.Name(b)}'");
            return PyText.Repeat(s, PyTypes.AsLong(b));
        }
        if (a is PyList { Kind: PyListKind.List or PyListKind.Tuple } list)
        {
            if (!PyTypes.IsInteger(b)) throw JinjaError.Type($"can't multiply sequence by non-int of type '{PyTypes.Name(b)}'");
            long n = Math.Max(0, PyTypes.AsLong(b));
            Limits.CheckList(list.Count * n);
            var items = new List<object?>();
            for (long i = 0; i < n; i++) items.AddRange(list.Items);
            return new PyList([.. items], list.Kind);
        }
        return Numeric("*", a, b, (p, q) => checked(p * q), (p, q) => p * q);
    }

    private static object Div(object? a, object? b)
    {
        if (!PyTypes.IsNumber(a) || !PyTypes.IsNumber(b)) throw Unsupported("/", a, b);
        double y = PyTypes.AsDouble(b);
        if (y == 0) throw new JinjaError("ZeroDivisionError", PyTypes.IsInteger(a) && PyTypes.IsInteger(b) ? "division by zero" : "float division by zero");
        return PyTypes.AsDouble(a) / y;
    }

    private static object FloorDiv(object? a, object? b)
    {
        if (!PyTypes.IsNumber(a) || !PyTypes.IsNumber(b)) throw Unsupported("//", a, b);
        if (PyTypes.IsInteger(a) && PyTypes.IsInteger(b))
        {
            long x = PyTypes.AsLong(a), y = PyTypes.AsLong(b);
            if (y == 0) throw new JinjaError("ZeroDivisionError", "integer division or modulo by zero");
            if (x == long.MinValue && y == -1) throw JinjaError.Limit("integer result outside the 64-bit range");
            long q = x / y;
            if (x % y != 0 && (x < 0) != (y < 0)) q--;
            return q;
        }
        return FloatDivMod(PyTypes.AsDouble(a), PyTypes.AsDouble(b)).Div;
    }

    private static object? Mod(object? a, object? b)
    {
        if (!PyTypes.IsNumber(a) || !PyTypes.IsNumber(b)) throw Unsupported("%", a, b);
        if (PyTypes.IsInteger(a) && PyTypes.IsInteger(b))
        {
            long x = PyTypes.AsLong(a), y = PyTypes.AsLong(b);
            if (y == 0) throw new JinjaError("ZeroDivisionError", "integer division or modulo by zero");
            if (y == -1) return 0L;
            long r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) r += y;
            return r;
        }
        return FloatDivMod(PyTypes.AsDouble(a), PyTypes.AsDouble(b)).Mod;
    }

    /// <summary>CPython's float divmod: the modulo takes the divisor's sign, the quotient is floored.</summary>
    private static (double Div, double Mod) FloatDivMod(double vx, double wx)
    {
        if (wx == 0) throw new JinjaError("ZeroDivisionError", "float floor division by zero");
        double mod = vx % wx;
        double div = (vx - mod) / wx;
        if (mod != 0)
        {
            if ((wx < 0) != (mod < 0))
            {
                mod += wx;
                div -= 1.0;
            }
        }
        else mod = Math.CopySign(0.0, wx);
        double floordiv;
        if (div != 0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5) floordiv += 1.0;
        }
        else floordiv = Math.CopySign(0.0, vx / wx);
        return (floordiv, mod);
    }

    private static object Pow(object? a, object? b)
    {
        if (!PyTypes.IsNumber(a) || !PyTypes.IsNumber(b)) throw Unsupported("** or pow()", a, b);
        if (PyTypes.IsInteger(a) && PyTypes.IsInteger(b))
        {
            long x = PyTypes.AsLong(a), y = PyTypes.AsLong(b);
            if (y < 0)
            {
                if (x == 0) throw new JinjaError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
                return Math.Pow(x, y);
            }
            if (x is 0 or 1) return y == 0 ? 1L : x;
            if (x == -1) return y % 2 == 0 ? 1L : -1L;
            try
            {
                long result = 1, power = x;
                for (long n = y; n > 0; n >>= 1)
                {
                    if ((n & 1) == 1) result = checked(result * power);
                    if (n > 1) power = checked(power * power);
                }
                return result;
            }
            catch (OverflowException) { throw JinjaError.Limit("integer result outside the 64-bit range"); }
        }
        double p = PyTypes.AsDouble(a), e = PyTypes.AsDouble(b);
        if (p == 0 && e < 0) throw new JinjaError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
        if (p < 0 && e != Math.Floor(e)) throw JinjaError.Type("a negative number raised to a fractional power is complex, which templates do not support");
        return Math.Pow(p, e);
    }

    public static object Negate(object? v) => v switch
    {
        Undefined u => throw u.Fail(),
        bool or long => PyTypes.AsLong(v) == long.MinValue ? throw JinjaError.Limit("integer result outside the 64-bit range") : (object)-PyTypes.AsLong(v),
        double d => (object)-d,
        _ => throw JinjaError.Type($"bad operand type for unary -: '{PyTypes.Name(v)}'"),
    };

    public static object Plus(object? v) => v switch
    {
        Undefined u => throw u.Fail(),
        bool or long => (object)PyTypes.AsLong(v),
        double d => (object)d,
        _ => throw JinjaError.Type($"bad operand type for unary +: '{PyTypes.Name(v)}'"),
    };
}
