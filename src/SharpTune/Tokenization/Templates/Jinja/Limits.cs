namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// The bounds that keep an untrusted template from exhausting memory or time. <c>range</c> matches jinja2's
/// sandbox (100,000 items); the others are ours, far above what any chat template needs.
/// </summary>
internal static class Limits
{
    /// <summary>The longest string any operation may build (64 Mi characters).</summary>
    public const int MaxStringLength = 64 * 1024 * 1024;

    /// <summary>The most items a list built by an operation may hold.</summary>
    public const int MaxListLength = 10_000_000;

    /// <summary>jinja2 sandbox's MAX_RANGE.</summary>
    public const int MaxRange = 100_000;

    /// <summary>How deeply macros may call each other.</summary>
    public const int MaxCallDepth = 100;

    /// <summary>How deeply expressions and blocks may nest in the source.</summary>
    public const int MaxNesting = 100;

    public static JinjaError StringTooLong() => JinjaError.Limit($"a string would exceed {MaxStringLength:N0} characters");

    public static int CheckString(long length) => length > MaxStringLength ? throw StringTooLong() : (int)length;

    public static int CheckList(long length) =>
        length > MaxListLength ? throw JinjaError.Limit($"a list would exceed {MaxListLength:N0} items") : (int)length;
}
