using System.Text.Json.Nodes;

namespace SharpTune.Data;

/// <summary>One record that was skipped or dropped, as the report lists it.</summary>
/// <param name="Position">File and line or row.</param>
/// <param name="Rule">The <see cref="DropRule"/> that applied.</param>
/// <param name="Field">The field at fault, for a bad record.</param>
/// <param name="Detail">What was wrong, or which phrase or earlier record it matched.</param>
public sealed record RecordProblem(string Position, string Rule, string? Field, string Detail)
{
    /// <summary>As JSON.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["position"] = Position, ["rule"] = Rule };
        if (Field is not null) o["field"] = Field;
        o["detail"] = Detail;
        return o;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static RecordProblem FromJson(JsonObject o) =>
        new((string)o["position"]!, (string)o["rule"]!, (string?)o["field"], (string)o["detail"]!);
}
