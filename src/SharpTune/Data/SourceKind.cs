namespace SharpTune.Data;

/// <summary>The file type a dataset is read from (<c>ds_type:</c>, or guessed from the file extension).</summary>
public enum SourceKind
{
    /// <summary>JSON Lines (<c>.jsonl</c>) or a JSON array (<c>.json</c>).</summary>
    Json,
    /// <summary>CSV with a header row.</summary>
    Csv,
    /// <summary>Apache Parquet.</summary>
    Parquet,
    /// <summary>HTML pages: the visible text of each page is one record.</summary>
    Html,
    /// <summary>A SQLite database, read with the dataset's <c>query</c>.</summary>
    Sqlite,
    /// <summary>Plain text: each paragraph (lines up to a blank line) is one record.</summary>
    Text,
}
