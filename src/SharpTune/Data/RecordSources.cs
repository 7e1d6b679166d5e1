using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>Finds a dataset's files (a file, a folder, or a glob) and reads each with the reader its type calls for.</summary>
public static class RecordSources
{
    /// <summary>The source kind of <paramref name="file"/> by its extension, or null when the extension is not one we read.</summary>
    public static SourceKind? KindOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".jsonl" or ".json" or ".ndjson" => SourceKind.Json,
        ".csv" or ".tsv" => SourceKind.Csv,
        ".parquet" => SourceKind.Parquet,
        ".html" or ".htm" => SourceKind.Html,
        ".sqlite" or ".sqlite3" or ".db" => SourceKind.Sqlite,
        ".txt" or ".text" or ".md" => SourceKind.Text,
        _ => null,
    };

    /// <summary>
    /// The files of <paramref name="spec"/>, sorted by path: the file itself; every readable file in a folder (and its
    /// subfolders); or the files a glob matches (<c>*</c> and <c>?</c> in the last part, <c>**/</c> before it for any depth).
    /// </summary>
    /// A generated dataset has no files.
    /// <exception cref="SharpTuneException">Nothing matches.</exception>
    public static IReadOnlyList<string> Files(DatasetSpec spec)
    {
        if (spec.Generate is not null) return [];
        string path = spec.Path;
        List<string> files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path))
            files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => KindOf(f) is { } kind && (spec.Source is null || spec.Source == kind) && !Path.GetFileName(f).StartsWith('.'))
                .ToList();
        else if (path.IndexOfAny(['*', '?']) >= 0) files = Glob(spec);
        else throw new SharpTuneException($"{spec.ConfigPosition}: path not found: {path}");
        files.Sort(StringComparer.Ordinal);
        if (files.Count == 0) throw new SharpTuneException($"{spec.ConfigPosition}: no readable files at {path}");
        return files;
    }

    private static List<string> Glob(DatasetSpec spec)
    {
        string pattern = Path.GetFileName(spec.Path);
        string folder = Path.GetDirectoryName(spec.Path)!;
        var option = SearchOption.TopDirectoryOnly;
        if (Path.GetFileName(folder) == "**")
        {
            folder = Path.GetDirectoryName(folder)!;
            option = SearchOption.AllDirectories;
        }
        if (folder.IndexOfAny(['*', '?']) >= 0)
            throw new SharpTuneException($"{spec.ConfigPosition}: wildcards are allowed only in the file name (and as **/ before it): {spec.Path}");
        if (!Directory.Exists(folder)) throw new SharpTuneException($"{spec.ConfigPosition}: folder not found: {folder}");
        return Directory.EnumerateFiles(folder, pattern, option).ToList();
    }

    /// <summary>Reads every record of dataset number <paramref name="dataset"/>, with its column renames applied.</summary>
    internal static IEnumerable<SourceRecord> Read(DatasetSpec spec, int dataset, BadRecordSink sink)
    {
        if (spec.Generate is { } generated)
        {
            foreach (var record in generated.Records()) yield return record;
            yield break;
        }
        foreach (var file in Files(spec))
        {
            var kind = spec.Source ?? KindOf(file)
                ?? throw new SharpTuneException($"{spec.ConfigPosition}: cannot tell the type of {file} from its extension; set ds_type (json, csv, parquet, html, sqlite or text)");
            if (kind is SourceKind.Html or SourceKind.Text && spec.Format != DatasetFormat.Text && spec.Format != DatasetFormat.Completion)
                throw new SharpTuneException($"{spec.ConfigPosition}: {file} holds plain text; use type: text (or completion)");
            var records = kind switch
            {
                SourceKind.Json => JsonRecordReader.Read(file, dataset, sink),
                SourceKind.Csv => CsvRecordReader.Read(file, dataset, sink),
                SourceKind.Parquet => ParquetRecordReader.Read(file),
                SourceKind.Html => HtmlRecordReader.Read(file, dataset, sink),
                SourceKind.Sqlite => SqliteRecordReader.Read(file, spec.Query!, spec.ConfigPosition),
                _ => TextFileReader.Read(file),
            };
            foreach (var record in records) yield return spec.Columns.Count == 0 ? record : Rename(record, spec.Columns);
        }
    }

    /// <summary>Applies <c>columns: {target: source}</c>: each source field is moved to its target name.</summary>
    private static SourceRecord Rename(SourceRecord record, IReadOnlyDictionary<string, string> columns)
    {
        var fields = new JsonObject();
        var moved = columns.Values.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, value) in record.Fields)
            if (!moved.Contains(name)) fields[name] = value?.DeepClone();
        foreach (var (target, source) in columns)
            if (record.Fields.TryGetPropertyValue(source, out var value)) fields[target] = value?.DeepClone();
        return record with { Fields = fields };
    }
}
