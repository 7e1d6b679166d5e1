using System.Text.RegularExpressions;

namespace SharpTune.Adapters;

/// <summary>
/// Picks modules by their full name (e.g. <c>model.layers.0.self_attn.q_proj</c>) with peft's semantics for
/// <c>target_modules</c> and <c>exclude_modules</c>: a list matches a module whose name equals an entry or ends
/// with <c>.entry</c>; a single string is a regular expression that must match the whole name.
/// </summary>
public sealed class ModuleSelector
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);
    private readonly Regex? regex;

    private ModuleSelector(IReadOnlyList<string>? names, string? pattern)
    {
        Names = names;
        Pattern = pattern;
        if (pattern is not null) regex = new Regex($"^(?:{pattern})\\z", RegexOptions.CultureInvariant, RegexTimeout);
    }

    /// <summary>The names of a list selector; null for a regular expression.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The regular expression of a pattern selector; null for a list.</summary>
    public string? Pattern { get; }

    /// <summary>Whether this selector was given as a list of names (peft's list form).</summary>
    public bool IsList => Names is not null;

    /// <summary>A list selector: a module matches when its name equals one of <paramref name="names"/> or ends with <c>.name</c>.</summary>
    /// <exception cref="ArgumentException">A name is empty.</exception>
    public static ModuleSelector FromNames(IEnumerable<string> names)
    {
        var list = names.ToList();
        if (list.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("module names must not be empty", nameof(names));
        return new ModuleSelector(list, null);
    }

    /// <summary>A pattern selector: a module matches when <paramref name="pattern"/> matches its whole name.</summary>
    /// <param name="pattern">A regular expression (Python's <c>re.fullmatch</c> semantics for the common subset).</param>
    /// <param name="source">Where the pattern came from, for the error message.</param>
    /// <exception cref="SharpTuneException">The pattern is not a valid regular expression.</exception>
    public static ModuleSelector FromPattern(string pattern, string source) =>
        PatternError(pattern) is { } error ? throw new SharpTuneException($"{source}: {error}") : new ModuleSelector(null, pattern);

    /// <summary>Why <paramref name="pattern"/> is not a usable regular expression, or null when it is.</summary>
    internal static string? PatternError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"'{pattern}' is not a valid regular expression: {e.Message}";
        }
    }

    /// <summary>Whether the module named <paramref name="fullName"/> is selected.</summary>
    public bool Matches(string fullName)
    {
        if (regex is not null)
        {
            try
            {
                return regex.IsMatch(fullName);
            }
            catch (RegexMatchTimeoutException)
            {
                throw new SharpTuneException($"module pattern '{Pattern}' took too long to match '{fullName}'; simplify the pattern");
            }
        }
        return IsExactName(fullName) || Names!.Any(n => fullName.EndsWith("." + n, StringComparison.Ordinal));
    }

    /// <summary>Whether <paramref name="fullName"/> is listed as is (a list selector's exact match, which peft exempts from layer filtering).</summary>
    public bool IsExactName(string fullName) => Names?.Contains(fullName, StringComparer.Ordinal) ?? false;

    /// <inheritdoc/>
    public override string ToString() => Pattern ?? "[" + string.Join(", ", Names!) + "]";
}
