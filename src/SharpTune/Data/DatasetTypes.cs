namespace SharpTune.Data;

/// <summary>
/// The names of dataset types (a config's <c>type:</c>, a command's <c>--type</c>), and telling a file's type from
/// its first record's fields when no name is given.
/// </summary>
public static class DatasetTypes
{
    /// <summary>The accepted names, for messages.</summary>
    public const string Names = "alpaca, sharegpt, messages, chat_template, completion, text, preference";

    /// <summary>The format <paramref name="name"/> names (<c>chat_template</c> is <c>messages</c>, <c>pretrain</c> is <c>text</c>); null when unknown.</summary>
    public static DatasetFormat? Parse(string name) => name switch
    {
        "alpaca" => DatasetFormat.Alpaca,
        "sharegpt" => DatasetFormat.ShareGpt,
        "messages" or "chat_template" => DatasetFormat.Messages,
        "completion" => DatasetFormat.Completion,
        "text" or "pretrain" => DatasetFormat.Text,
        "preference" => DatasetFormat.Preference,
        _ => null,
    };

    /// <summary>
    /// The format of the data at <paramref name="path"/> (a file, folder or glob), judged by the first readable
    /// record's fields: <c>messages</c>, <c>conversations</c> (sharegpt), <c>chosen</c> + <c>rejected</c>
    /// (preference), <c>instruction</c> + <c>output</c> (alpaca), <c>completion</c>, then <c>text</c>, in that order.
    /// Plain-text and HTML files are text. Null when the record fits none of them, there is no record, or the file
    /// is a SQLite database (which needs a query).
    /// </summary>
    /// <param name="path">The data.</param>
    /// <param name="position">What errors about the path are prefixed with (the option or config key that named it).</param>
    /// <exception cref="SharpTuneException">The path matches no readable file.</exception>
    public static DatasetFormat? Detect(string path, string position)
    {
        var spec = new DatasetSpec { Path = path, Format = DatasetFormat.Messages, Name = path, ConfigPosition = position };
        var files = RecordSources.Files(spec);
        var kind = RecordSources.KindOf(files[0]);
        if (kind is SourceKind.Text or SourceKind.Html) return DatasetFormat.Text;
        if (kind is null or SourceKind.Sqlite) return null;
        // Malformed records are skipped here; the pipeline reports them when it reads the data for real.
        var sink = new BadRecordSink(new DataReport([new DatasetCounts { Name = path, Type = "" }]), skip: true);
        var first = RecordSources.Read(spec, 0, sink).FirstOrDefault();
        if (first is null) return null;
        bool Has(string field) => first.Fields.ContainsKey(field);
        if (Has("messages")) return DatasetFormat.Messages;
        if (Has("conversations")) return DatasetFormat.ShareGpt;
        if (Has("chosen") && Has("rejected")) return DatasetFormat.Preference;
        if (Has("instruction") && Has("output")) return DatasetFormat.Alpaca;
        if (Has("completion")) return DatasetFormat.Completion;
        if (Has("text")) return DatasetFormat.Text;
        return null;
    }
}
