using System.Text.Json.Nodes;
using CsvHelper;

namespace SharpTune.Data;

/// <summary>
/// Reads CSV (or TSV, by extension) with a header row: each data row becomes a record of string fields named by the
/// header. Quoted fields may hold separators, doubled quotes and line breaks. Rows with broken quoting or a field count
/// other than the header's are bad records, named by the line where they start.
/// </summary>
internal static class CsvRecordReader
{
    public static IEnumerable<SourceRecord> Read(string file, int dataset, BadRecordSink sink)
    {
        var malformed = new Queue<CsvMalformedRecord>();
        var options = CsvReaderOptions.Default with
        {
            Separator = file.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',',
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            OnMalformedRecord = malformed.Enqueue,
            MaxRecordSize = 64 << 20,
        };
        CsvReader csv;
        string[] headers;
        try
        {
            csv = CsvReader.FromFile(file, options);
            csv.ReadHeader();
            headers = csv.Headers.ToArray();
        }
        catch (Exception e) when (e is IOException or CsvFormatException)
        {
            throw new SharpTuneException($"{file}: cannot read the CSV header: {e.Message}");
        }
        if (headers.Length == 0) throw new SharpTuneException($"{file}:1: the CSV file has no header row");
        if (headers.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new SharpTuneException($"{file}:1: column '{dup.Key}' appears twice in the header");

        using (csv)
        {
            while (true)
            {
                bool more;
                try
                {
                    more = csv.Read();
                }
                catch (CsvFormatException e)
                {
                    throw new SharpTuneException($"{file}:{e.LineNumber}: cannot read CSV: {e.Message}");
                }
                while (malformed.TryDequeue(out var bad))
                    sink.Reject(dataset, new RecordOrigin(file, Line: bad.LineNumber), null, $"malformed CSV ({Describe(bad.Reason)})");
                if (!more) break;
                var origin = new RecordOrigin(file, Line: csv.LineNumber);
                if (csv.FieldCount != headers.Length)
                {
                    sink.Reject(dataset, origin, null, $"the row has {csv.FieldCount} fields, the header {headers.Length}");
                    continue;
                }
                var fields = new JsonObject();
                for (int i = 0; i < headers.Length; i++) fields[headers[i]] = csv.GetString(i);
                yield return new SourceRecord(fields, origin);
            }
        }
    }

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "text after a closing quote",
        CsvMalformedReason.UnterminatedQuote => "a quoted field that is never closed",
        CsvMalformedReason.LineBreakInQuotes => "a line break inside quotes",
        _ => reason.ToString(),
    };
}
