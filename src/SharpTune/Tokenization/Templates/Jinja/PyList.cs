namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>Which Python sequence a <see cref="PyList"/> stands for; they differ in how they print and what they allow.</summary>
internal enum PyListKind
{
    List,
    Tuple,
    DictKeys,
    DictValues,
    DictItems,
    Range,
}

/// <summary>
/// A Python list, tuple, dict view or range as templates see it. Immutable: the sandbox forbids mutating
/// methods, so a list never changes after it is built.
/// </summary>
internal sealed class PyList : IReadOnlyList<object?>
{
    public static readonly PyList Empty = new([]);

    private readonly object?[] _items;

    public PyList(object?[] items, PyListKind kind = PyListKind.List)
    {
        _items = items;
        Kind = kind;
    }

    public PyListKind Kind { get; }

    /// <summary>For a range: its start, stop and step, for printing.</summary>
    public (long Start, long Stop, long Step) RangeArgs { get; init; }

    /// <summary>For a named tuple (groupby's groups): the attribute name of each position.</summary>
    public string[]? FieldNames { get; init; }

    /// <summary>Lists, tuples and ranges take <c>x[i]</c>; dict views do not.</summary>
    public bool IsSubscriptable => Kind is PyListKind.List or PyListKind.Tuple or PyListKind.Range;

    public int Count => _items.Length;

    public object? this[int index] => _items[index];

    public object?[] Items => _items;

    public static PyList Tuple(params object?[] items) => new(items, PyListKind.Tuple);

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
