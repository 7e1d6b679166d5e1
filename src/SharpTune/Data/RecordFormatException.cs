namespace SharpTune.Data;

/// <summary>A record that does not fit its dataset's format; the pipeline turns it into a bad record with the field named.</summary>
internal sealed class RecordFormatException(string? field, string problem) : Exception(problem)
{
    /// <summary>The field at fault (e.g. <c>conversations[2].from</c>), or null for the record as a whole.</summary>
    public string? Field { get; } = field;
}
