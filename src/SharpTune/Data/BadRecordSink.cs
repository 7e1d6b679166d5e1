namespace SharpTune.Data;

/// <summary>
/// Where readers and formats send a malformed record: it fails the run with the file, line or row and field named
/// (the default), or, with <c>skip_bad_records: true</c>, is counted and listed in the report and skipped.
/// </summary>
internal sealed class BadRecordSink(DataReport report, bool skip)
{
    /// <summary>Rejects one record; returns only when skipping is on.</summary>
    /// <exception cref="SharpTuneException">Skipping is off.</exception>
    public void Reject(int dataset, RecordOrigin origin, string? field, string problem)
    {
        string fieldPart = field is null ? "" : $" field '{field}':";
        if (!skip)
            throw new SharpTuneException($"{origin}:{fieldPart} {problem} (set skip_bad_records: true to skip such records)");
        report.Datasets[dataset].Bad++;
        report.AddBad(new RecordProblem(origin.ToString(), DropRule.BadRecord, field, problem));
    }
}
