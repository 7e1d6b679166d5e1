using SharpTune.Data.Generated;

namespace SharpTune.Data;

/// <summary>One entry of a config's <c>datasets:</c> list, with its path resolved against the config file's folder.</summary>
public sealed record DatasetSpec
{
    /// <summary><c>generate</c>: a built-in task generator that makes the records instead of files (then <see cref="Path"/> is its name).</summary>
    public GeneratedDataset? Generate { get; init; }

    /// <summary><c>path</c>: a file, a folder (every file of a known type in it) or a glob such as <c>pages/*.html</c>, resolved to a full path.</summary>
    public required string Path { get; init; }

    /// <summary><c>type</c>: how records are laid out.</summary>
    public required DatasetFormat Format { get; init; }

    /// <summary><c>ds_type</c>: the file type; null to go by each file's extension.</summary>
    public SourceKind? Source { get; init; }

    /// <summary><c>name</c>: what reports call the dataset (default: the path as written).</summary>
    public required string Name { get; init; }

    /// <summary><c>field</c>: the text field of <c>text</c> and <c>completion</c> datasets (default <c>text</c>).</summary>
    public string? Field { get; init; }

    /// <summary><c>field_messages</c>: the list of turns (default <c>conversations</c> for sharegpt, <c>messages</c> otherwise).</summary>
    public string? FieldMessages { get; init; }

    /// <summary><c>message_field_role</c>: the role key of each turn (default <c>from</c> or <c>role</c>, whichever a turn has).</summary>
    public string? MessageFieldRole { get; init; }

    /// <summary><c>message_field_content</c>: the text key of each turn (default <c>value</c> or <c>content</c>, whichever a turn has).</summary>
    public string? MessageFieldContent { get; init; }

    /// <summary><c>roles</c>: extra role names, e.g. <c>{user: [human, prompter], assistant: [gpt, bot]}</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Roles { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary><c>columns</c>: field renames applied before the format reads a record, target name → source column.</summary>
    public IReadOnlyDictionary<string, string> Columns { get; init; } = new Dictionary<string, string>();

    /// <summary><c>query</c>: the SQL a SQLite source runs (the database is opened read-only).</summary>
    public string? Query { get; init; }

    /// <summary>The config file and line of this entry, for errors about it.</summary>
    public string ConfigPosition { get; init; } = "";
}
