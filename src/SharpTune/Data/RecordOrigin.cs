namespace SharpTune.Data;

/// <summary>
/// Where a record came from, for error messages and reports: the file, and the 1-based line (JSONL, JSON, text, CSV)
/// or row (Parquet, SQLite) where it starts. A record that is a whole file (an HTML page) has neither.
/// </summary>
/// <param name="File">The source file.</param>
/// <param name="Line">The 1-based line where the record starts, or 0.</param>
/// <param name="Row">The 1-based data row (not counting a header), or 0.</param>
public readonly record struct RecordOrigin(string File, long Line = 0, long Row = 0)
{
    /// <summary><c>file:line</c>, <c>file: row N</c> or <c>file</c>.</summary>
    public override string ToString() =>
        Line > 0 ? $"{File}:{Line}" : Row > 0 ? $"{File}: row {Row}" : File;
}
