namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// A one-shot Python iterator (the generator that <c>select</c>, <c>map</c>, <c>reverse</c>, … return):
/// always truthy, without a length, and empty once consumed.
/// </summary>
internal sealed class PyIterator(IReadOnlyList<object?> items, string typeName = "generator")
{
    private int _position;

    /// <summary>The Python type name, e.g. <c>generator</c> or <c>list_reverseiterator</c>.</summary>
    public string TypeName { get; } = typeName;

    /// <summary>Yields the items not yet consumed, consuming them.</summary>
    public IEnumerable<object?> Drain()
    {
        while (_position < items.Count) yield return items[_position++];
    }
}
