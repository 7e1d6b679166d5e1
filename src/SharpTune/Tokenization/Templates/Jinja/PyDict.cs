namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// A Python dict: insertion-ordered, keys compared as Python does (1 == 1.0 == True). Built once and then
/// only read, except the attribute store of a <see cref="PyNamespace"/>.
/// </summary>
internal sealed class PyDict
{
    private static readonly object NoneKey = new();
    private readonly List<object?> _keys = [];
    private readonly List<object?> _values = [];
    private readonly Dictionary<object, int> _index = new(PyKeyComparer.Instance);

    public int Count => _keys.Count;

    public IReadOnlyList<object?> Keys => _keys;

    public IReadOnlyList<object?> Values => _values;

    public IEnumerable<KeyValuePair<object?, object?>> Items
    {
        get
        {
            for (int i = 0; i < _keys.Count; i++) yield return new(_keys[i], _values[i]);
        }
    }

    /// <summary>Sets <paramref name="key"/>, keeping its first position if it exists (as Python does).</summary>
    public void Set(object? key, object? value)
    {
        var k = Wrap(key);
        if (_index.TryGetValue(k, out int i)) _values[i] = value;
        else
        {
            _index[k] = _keys.Count;
            _keys.Add(key);
            _values.Add(value);
        }
    }

    public bool TryGet(object? key, out object? value)
    {
        if (_index.TryGetValue(Wrap(key), out int i))
        {
            value = _values[i];
            return true;
        }
        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => _index.ContainsKey(Wrap(key));

    private static object Wrap(object? key)
    {
        PyOps.CheckHashable(key);
        return key ?? NoneKey;
    }

    /// <summary>Python equality and hashing for dict keys and sets; None is a private sentinel object.</summary>
    private sealed class PyKeyComparer : IEqualityComparer<object>
    {
        public static readonly PyKeyComparer Instance = new();

        public new bool Equals(object? x, object? y)
        {
            if (ReferenceEquals(x, NoneKey) || ReferenceEquals(y, NoneKey)) return ReferenceEquals(x, y);
            return PyOps.Eq(x, y);
        }

        public int GetHashCode(object obj) => PyOps.Hash(ReferenceEquals(obj, NoneKey) ? null : obj);
    }
}
