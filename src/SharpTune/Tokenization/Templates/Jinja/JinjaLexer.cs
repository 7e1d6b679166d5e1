using System.Globalization;
using System.Text;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// Splits a template into tokens the way jinja2's lexer does, with transformers' settings: trim_blocks (a block
/// or comment tag eats one newline after it), lstrip_blocks (spaces before a block or comment tag on its own
/// line go), <c>-</c> and <c>+</c> whitespace control, raw blocks, and jinja2's source normalization
/// (newlines become <c>\n</c>, one trailing newline is dropped).
/// </summary>
internal sealed class JinjaLexer
{
    private readonly string _src;
    private readonly bool _trimBlocks;
    private readonly bool _lstripBlocks;
    private readonly List<int> _lineStarts = [0];
    private readonly List<JinjaToken> _tokens = [];
    private int _pos;
    private bool _lineStarting = true;

    private JinjaLexer(string source, bool trimBlocks, bool lstripBlocks)
    {
        var normalized = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (normalized.EndsWith('\n')) normalized = normalized[..^1];
        _src = normalized;
        _trimBlocks = trimBlocks;
        _lstripBlocks = lstripBlocks;
        for (int i = 0; i < _src.Length; i++) if (_src[i] == '\n') _lineStarts.Add(i + 1);
    }

    public static List<JinjaToken> Tokenize(string source, bool trimBlocks = true, bool lstripBlocks = true)
    {
        var lexer = new JinjaLexer(source, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer._tokens;
    }

    private SourcePosition At(int offset)
    {
        int line = _lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        return new SourcePosition(line + 1, offset - _lineStarts[line] + 1);
    }

    private void Add(JinjaTokenKind kind, string text, object? value, int offset) => _tokens.Add(new JinjaToken(kind, text, value, At(offset)));

    private void Run()
    {
        while (_pos < _src.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                Add(JinjaTokenKind.Data, _src[_pos..], null, _pos);
                break;
            }
            char kind = _src[tag + 1];
            int after = tag + 2;
            char sign = after < _src.Length && _src[after] is '-' or '+' ? _src[after] : '\0';
            if (sign != '\0') after++;
            int rawEnd = kind == '%' ? MatchRawBegin(after) : -1;
            var text = _src[_pos..tag];
            text = StripBefore(text, sign, isVariable: kind == '{');
            if (text.Length > 0) Add(JinjaTokenKind.Data, text, null, _pos);
            _lineStarting = false;
            if (rawEnd >= 0)
            {
                _lineStarting = _src[rawEnd - 1] == '\n';
                _pos = rawEnd;
                LexRaw(tag);
            }
            else if (kind == '#')
            {
                _pos = after;
                LexComment(tag);
            }
            else
            {
                Add(kind == '{' ? JinjaTokenKind.VariableBegin : JinjaTokenKind.BlockBegin, _src[tag..after], null, tag);
                _pos = after;
                LexTag(kind == '{');
            }
        }
        Add(JinjaTokenKind.Eof, "", null, _src.Length);
    }

    private int FindTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
            if (_src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>jinja2's OptionalLStrip: <c>-</c> strips all whitespace before the tag; otherwise lstrip_blocks strips an indentation-only line start.</summary>
    private string StripBefore(string text, char sign, bool isVariable)
    {
        if (sign == '-') return PyText.Strip(text, null, left: false, right: true);
        if (sign == '+' || !_lstripBlocks || isVariable) return text;
        int lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !_lineStarting) return text;
        if (lineStart == text.Length) return text;
        for (int i = lineStart; i < text.Length; i++) if (!PyText.IsSpace(text[i])) return text;
        return text[..lineStart];
    }

    /// <summary>If <c>\s*raw\s*(-%}\s*|%})</c> follows the block opener, the offset after it; else -1.</summary>
    private int MatchRawBegin(int p)
    {
        p = SkipSpace(p);
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return -1;
        p = SkipSpace(p + 3);
        if (string.CompareOrdinal(_src, p, "-%}", 0, 3) == 0) return SkipSpace(p + 3);
        if (string.CompareOrdinal(_src, p, "%}", 0, 2) == 0) return p + 2;
        return -1;
    }

    private int SkipSpace(int p)
    {
        while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
        return p;
    }

    private void LexRaw(int tagOffset)
    {
        for (int i = _src.IndexOf("{%", _pos, StringComparison.Ordinal); i >= 0; i = _src.IndexOf("{%", i + 1, StringComparison.Ordinal))
        {
            int p = i + 2;
            char sign = p < _src.Length && _src[p] is '-' or '+' ? _src[p] : '\0';
            if (sign != '\0') p++;
            p = SkipSpace(p);
            if (string.CompareOrdinal(_src, p, "endraw", 0, 6) != 0) continue;
            p = SkipSpace(p + 6);
            int end = MatchBlockEnd(p);
            if (end < 0) continue;
            var text = StripBefore(_src[_pos..i], sign, isVariable: false);
            if (text.Length > 0) Add(JinjaTokenKind.Data, text, null, _pos);
            _lineStarting = _src[end - 1] == '\n';
            _pos = end;
            return;
        }
        throw JinjaError.Syntax("Missing end of raw directive", At(tagOffset));
    }

    /// <summary>Matches <c>+%}</c>, <c>-%}\s*</c> or <c>%}\n?</c> (the newline only with trim_blocks) at <paramref name="p"/>; the offset after it, or -1.</summary>
    private int MatchBlockEnd(int p)
    {
        if (string.CompareOrdinal(_src, p, "+%}", 0, 3) == 0) return p + 3;
        if (string.CompareOrdinal(_src, p, "-%}", 0, 3) == 0) return SkipSpace(p + 3);
        if (string.CompareOrdinal(_src, p, "%}", 0, 2) == 0)
            return _trimBlocks && p + 2 < _src.Length && _src[p + 2] == '\n' ? p + 3 : p + 2;
        return -1;
    }

    private void LexComment(int tagOffset)
    {
        if (_pos >= _src.Length) return; // as in jinja2, a comment opener that ends the template is dropped
        int j = _src.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (j >= 0)
        {
            char before = j - 1 >= _pos ? _src[j - 1] : '\0';
            int end = before switch
            {
                '+' => j + 2,
                '-' => SkipSpace(j + 2),
                _ => _trimBlocks && j + 2 < _src.Length && _src[j + 2] == '\n' ? j + 3 : j + 2,
            };
            _lineStarting = _src[end - 1] == '\n';
            _pos = end;
            return;
        }
        throw JinjaError.Syntax("Missing end of comment tag", At(tagOffset));
    }

    private void LexTag(bool isVariable)
    {
        var balance = new Stack<char>();
        while (_pos < _src.Length)
        {
            if (balance.Count == 0)
            {
                int end = isVariable ? MatchVariableEnd(_pos) : MatchBlockEnd(_pos);
                if (end >= 0)
                {
                    Add(isVariable ? JinjaTokenKind.VariableEnd : JinjaTokenKind.BlockEnd, _src[_pos..end], null, _pos);
                    _lineStarting = _src[end - 1] == '\n';
                    _pos = end;
                    return;
                }
            }
            char c = _src[_pos];
            if (PyText.IsSpace(c))
            {
                _pos = SkipSpace(_pos);
                continue;
            }
            int start = _pos;
            if (TryFloat() || TryInteger()) continue;
            if (c == '_' || char.IsLetter(c) || char.IsSurrogate(c))
            {
                while (_pos < _src.Length && IsNameChar(_src[_pos])) _pos++;
                Add(JinjaTokenKind.Name, _src[start.._pos], null, start);
                continue;
            }
            if (c is '\'' or '"')
            {
                LexString(c);
                continue;
            }
            var op = MatchOperator();
            if (op == null) throw JinjaError.Syntax($"unexpected char {PyRepr.Repr(c.ToString())} at {_pos}", At(_pos));
            switch (op)
            {
                case "(": balance.Push(')'); break;
                case "[": balance.Push(']'); break;
                case "{": balance.Push('}'); break;
                case ")" or "]" or "}":
                    if (balance.Count == 0) throw JinjaError.Syntax($"unexpected '{op}'", At(_pos));
                    char expected = balance.Pop();
                    if (expected != op[0]) throw JinjaError.Syntax($"unexpected '{op}', expected '{expected}'", At(_pos));
                    break;
            }
            Add(JinjaTokenKind.Operator, op, null, start);
            _pos += op.Length;
        }
    }

    private int MatchVariableEnd(int p)
    {
        if (string.CompareOrdinal(_src, p, "-}}", 0, 3) == 0) return SkipSpace(p + 3);
        if (string.CompareOrdinal(_src, p, "}}", 0, 2) == 0) return p + 2;
        return -1;
    }

    private static bool IsNameChar(char c) =>
        c == '_' || char.IsLetterOrDigit(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation;

    private static readonly string[] Operators =
        ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private string? MatchOperator()
    {
        foreach (var op in Operators)
            if (string.CompareOrdinal(_src, _pos, op, 0, op.Length) == 0) return op;
        return null;
    }

    private int Digits(int p, Func<char, bool> digit)
    {
        // (\d+_)*\d+ or (_?d)+ style: digits with single underscores between them.
        int start = p;
        while (p < _src.Length)
        {
            if (digit(_src[p])) p++;
            else if (_src[p] == '_' && p > start && p + 1 < _src.Length && digit(_src[p + 1])) p++;
            else break;
        }
        return p;
    }

    private bool TryFloat()
    {
        int p = _pos;
        if (p > 0 && _src[p - 1] == '.') return false;
        int intEnd = Digits(p, char.IsAsciiDigit);
        if (intEnd == p) return false;
        int q = intEnd;
        bool fraction = false;
        if (q < _src.Length && _src[q] == '.' && q + 1 < _src.Length && char.IsAsciiDigit(_src[q + 1]))
        {
            q = Digits(q + 1, char.IsAsciiDigit);
            fraction = true;
        }
        int e = q;
        if (e < _src.Length && _src[e] is 'e' or 'E')
        {
            int s = e + 1;
            if (s < _src.Length && _src[s] is '+' or '-') s++;
            int expEnd = Digits(s, char.IsAsciiDigit);
            if (expEnd > s) q = expEnd;
            else if (!fraction) return false;
        }
        else if (!fraction) return false;
        var text = _src[p..q];
        var value = double.Parse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
        Add(JinjaTokenKind.Float, text, value, p);
        _pos = q;
        return true;
    }

    private bool TryInteger()
    {
        int p = _pos;
        char c = _src[p];
        if (!char.IsAsciiDigit(c)) return false;
        if (c == '0' && p + 1 < _src.Length && _src[p + 1] is 'b' or 'B' or 'o' or 'O' or 'x' or 'X')
        {
            char radix = char.ToLowerInvariant(_src[p + 1]);
            Func<char, bool> digit = radix switch { 'b' => ch => ch is '0' or '1', 'o' => ch => ch is >= '0' and <= '7', _ => char.IsAsciiHexDigit };
            int q = p + 2;
            int end = q;
            while (end < _src.Length && (digit(_src[end]) || (_src[end] == '_' && end + 1 < _src.Length && digit(_src[end + 1])))) end++;
            if (end > q)
            {
                var digits = _src[q..end].Replace("_", "");
                long value;
                try { value = Convert.ToInt64(digits, radix == 'b' ? 2 : radix == 'o' ? 8 : 16); }
                catch (OverflowException) { throw JinjaError.Syntax("integer literal outside the 64-bit range", At(p)); }
                Add(JinjaTokenKind.Integer, _src[p..end], value, p);
                _pos = end;
                return true;
            }
        }
        int stop;
        if (c == '0')
        {
            stop = p + 1;
            while (stop < _src.Length && (_src[stop] == '0' || (_src[stop] == '_' && stop + 1 < _src.Length && _src[stop + 1] == '0'))) stop++;
        }
        else stop = Digits(p, char.IsAsciiDigit);
        var txt = _src[p..stop];
        if (!long.TryParse(txt.Replace("_", ""), NumberStyles.None, CultureInfo.InvariantCulture, out long v))
            throw JinjaError.Syntax("integer literal outside the 64-bit range", At(p));
        Add(JinjaTokenKind.Integer, txt, v, p);
        _pos = stop;
        return true;
    }

    private void LexString(char quote)
    {
        int start = _pos;
        int p = _pos + 1;
        while (p < _src.Length && _src[p] != quote)
        {
            if (_src[p] == '\\') p++;
            p++;
        }
        if (p >= _src.Length) throw JinjaError.Syntax($"unexpected char {PyRepr.Repr(quote.ToString())} at {start}", At(start));
        var body = _src[(start + 1)..p];
        Add(JinjaTokenKind.String, _src[start..(p + 1)], Unescape(body, At(start)), start);
        _pos = p + 1;
    }

    /// <summary>Python's <c>unicode-escape</c> decoding of a string literal's body, as jinja2 applies it.</summary>
    private static string Unescape(string body, SourcePosition at)
    {
        if (!body.Contains('\\')) return body;
        var sb = new StringBuilder(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                sb.Append(c);
                continue;
            }
            char n = body[++i];
            switch (n)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case >= '0' and <= '7':
                    int oct = n - '0';
                    for (int k = 0; k < 2 && i + 1 < body.Length && body[i + 1] is >= '0' and <= '7'; k++) oct = oct * 8 + (body[++i] - '0');
                    sb.Append((char)oct);
                    break;
                case 'x' or 'u' or 'U':
                    int len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
                    if (!IsHex(body, i + 1, len))
                        throw JinjaError.Syntax($"truncated \\{(n == 'x' ? "xXX" : n == 'u' ? "uXXXX" : "UXXXXXXXX")} escape", at);
                    int cp = int.Parse(body.AsSpan(i + 1, len), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (cp > 0x10FFFF) throw JinjaError.Syntax("illegal Unicode character", at);
                    PyText.AppendCodePoint(sb, cp);
                    i += len;
                    break;
                case 'N': throw JinjaError.Syntax("\\N{...} escapes are not supported", at);
                default:
                    sb.Append('\\');
                    if (n < 0x80) sb.Append(n);
                    else
                    {
                        // jinja2 turns non-ASCII into \x/\u/\U escapes before decoding, so a backslash before one keeps that escape text.
                        int cpn = char.IsHighSurrogate(n) && i + 1 < body.Length && char.IsLowSurrogate(body[i + 1]) ? char.ConvertToUtf32(n, body[++i]) : n;
                        sb.Append(cpn <= 0xff ? $"x{cpn:x2}" : cpn <= 0xffff ? $"u{cpn:x4}" : $"U{cpn:x8}");
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool IsHex(string s, int start, int len)
    {
        if (start + len > s.Length) return false;
        for (int i = start; i < start + len; i++) if (!char.IsAsciiHexDigit(s[i])) return false;
        return true;
    }
}
