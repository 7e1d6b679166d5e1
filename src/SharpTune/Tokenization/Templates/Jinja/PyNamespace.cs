namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// What <c>namespace(...)</c> makes: the one object a template may change, through
/// <c>{% set ns.attr = value %}</c>, so that a value set inside a loop outlives the iteration.
/// </summary>
internal sealed class PyNamespace
{
    public PyDict Attributes { get; } = new();
}
