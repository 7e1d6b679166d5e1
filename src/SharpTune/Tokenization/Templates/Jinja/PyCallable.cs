namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>A function a template can call: a global (range, namespace, …), a bound method, a macro or loop.cycle.</summary>
internal sealed class PyCallable(string name, Func<CallArguments, object?> invoke, bool isMacro = false)
{
    public string Name { get; } = name;

    public bool IsMacro { get; } = isMacro;

    public object? Invoke(CallArguments args) => invoke(args);
}
