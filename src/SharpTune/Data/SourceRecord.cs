using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>One record as a reader found it: its fields as JSON values (whatever the file type) and where it came from.</summary>
/// <param name="Fields">The record's fields by name.</param>
/// <param name="Origin">The file and line or row.</param>
public sealed record SourceRecord(JsonObject Fields, RecordOrigin Origin);
