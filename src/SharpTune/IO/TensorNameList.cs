namespace SharpTune.IO;

/// <summary>The lists of tensor names that load errors show (missing, unexpected, misshapen), cut short after 20.</summary>
internal static class TensorNameList
{
    /// <summary>A new line, <paramref name="label"/> with the count, then the names indented; empty when there are none.</summary>
    public static string Format(string label, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return "";
        const int shown = 20;
        var list = string.Join("\n  ", names.Take(shown));
        var more = names.Count > shown ? $"\n  ... and {names.Count - shown} more" : "";
        return $"\n{label} ({names.Count}):\n  {list}{more}";
    }
}
