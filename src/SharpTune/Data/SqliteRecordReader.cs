using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace SharpTune.Data;

/// <summary>
/// Runs a dataset's <c>query</c> against a SQLite database opened read-only: each result row becomes a record whose
/// fields are named by the result columns (use <c>AS</c> to name them as the format expects).
/// </summary>
internal static class SqliteRecordReader
{
    public static IEnumerable<SourceRecord> Read(string file, string query, string configPosition)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        var records = new List<SourceRecord>();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = query;
            using var reader = command.ExecuteReader();
            var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            long row = 0;
            while (reader.Read())
            {
                row++;
                var fields = new JsonObject();
                for (int i = 0; i < names.Length; i++)
                {
                    fields[names[i]] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
                    {
                        long l => JsonValue.Create(l),
                        double d => JsonValue.Create(d),
                        string s => JsonValue.Create(s),
                        byte[] b => JsonValue.Create(Convert.ToBase64String(b)),
                        var other => JsonValue.Create(other.ToString()),
                    };
                }
                records.Add(new SourceRecord(fields, new RecordOrigin(file, Row: row)));
            }
        }
        catch (SqliteException e)
        {
            throw new SharpTuneException($"{configPosition}: query on {file} failed: {e.Message}");
        }
        return records;
    }
}
