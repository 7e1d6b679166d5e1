namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The <c>loop</c> variable inside a for loop: position, length, neighbours, <c>cycle</c> and <c>changed</c>.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, int depth0)
{
    private PyList? _lastChanged;

    public int Index0 { get; set; }

    public int Length => items.Count;

    public object? GetAttribute(string name) => name switch
    {
        "index0" => (long)Index0,
        "index" => (long)Index0 + 1,
        "revindex0" => (long)(Length - Index0 - 1),
        "revindex" => (long)(Length - Index0),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth0" => (long)depth0,
        "depth" => (long)depth0 + 1,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.WithHint("there is no previous item"),
        "nextitem" => Index0 + 1 < Length ? items[Index0 + 1] : Undefined.WithHint("there is no next item"),
        "cycle" => new PyCallable("cycle", Cycle),
        "changed" => new PyCallable("changed", Changed),
        _ => Undefined.ForMember(this, name),
    };

    private object? Cycle(CallArguments args)
    {
        if (args.Positional.Count == 0) throw JinjaError.Type("no items for cycling given");
        return args.Positional[Index0 % args.Positional.Count];
    }

    private object? Changed(CallArguments args)
    {
        var value = new PyList(args.Positional.ToArray(), PyListKind.Tuple);
        if (_lastChanged != null && PyOps.Eq(_lastChanged, value)) return false;
        _lastChanged = value;
        return true;
    }
}
