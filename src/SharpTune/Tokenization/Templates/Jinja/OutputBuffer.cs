using System.Text;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>Where rendered text goes, refusing to grow past a limit.</summary>
internal sealed class OutputBuffer(long maxChars)
{
    private readonly StringBuilder _sb = new();

    public void Append(string text)
    {
        if (_sb.Length + (long)text.Length > maxChars)
            throw JinjaError.Limit($"the rendered text would exceed {maxChars:N0} characters");
        _sb.Append(text);
    }

    public override string ToString() => _sb.ToString();
}
