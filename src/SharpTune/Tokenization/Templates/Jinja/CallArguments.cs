namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>The positional and keyword arguments of one call, with Python's rules for binding them to parameters.</summary>
internal sealed class CallArguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> keywords)
{
    /// <summary>Marks a parameter without a default.</summary>
    public static readonly object Required = new();

    public static readonly CallArguments None = new([], []);

    public IReadOnlyList<object?> Positional { get; } = positional;

    public IReadOnlyList<KeyValuePair<string, object?>> Keywords { get; } = keywords;

    public static CallArguments Of(params object?[] positional) => new(positional, []);

    /// <summary>Binds to <paramref name="names"/> with <paramref name="defaults"/> (<see cref="Required"/> for none), as Python does.</summary>
    public object?[] Bind(string function, string[] names, object?[] defaults)
    {
        if (Positional.Count > names.Length)
            throw JinjaError.Type($"{function}() takes at most {names.Length} argument(s) ({Positional.Count} given)");
        var bound = new object?[names.Length];
        var set = new bool[names.Length];
        for (int i = 0; i < Positional.Count; i++)
        {
            bound[i] = Positional[i];
            set[i] = true;
        }
        foreach (var (key, value) in Keywords)
        {
            int i = Array.IndexOf(names, key);
            if (i < 0) throw JinjaError.Type($"{function}() got an unexpected keyword argument '{key}'");
            if (set[i]) throw JinjaError.Type($"{function}() got multiple values for argument '{key}'");
            bound[i] = value;
            set[i] = true;
        }
        for (int i = 0; i < names.Length; i++)
        {
            if (set[i]) continue;
            if (ReferenceEquals(defaults[i], Required)) throw JinjaError.Type($"{function}() missing required argument '{names[i]}'");
            bound[i] = defaults[i];
        }
        return bound;
    }

    /// <summary>Fails unless the call has no arguments.</summary>
    public void ExpectNone(string function)
    {
        if (Positional.Count > 0 || Keywords.Count > 0) throw JinjaError.Type($"{function}() takes no arguments");
    }

    /// <summary>The arguments after dropping the first <paramref name="count"/> positional ones.</summary>
    public CallArguments Skip(int count) => new(Positional.Skip(count).ToArray(), Keywords);
}
