namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// One frame of variables. Loop iterations, macro calls, block sets and with-blocks each get a child frame, so
/// their <c>set</c>s stay inside (jinja2's scoping); <c>if</c> shares its parent's frame.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public void Set(string name, object? value) => _vars[name] = value;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public Scope? Parent { get; } = parent;
}
