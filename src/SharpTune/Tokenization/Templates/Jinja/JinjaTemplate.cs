using System.Text.Json.Nodes;

namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>
/// A Jinja template parsed by SharpTune's own interpreter, which renders as Python's jinja2 does in the
/// sandboxed, immutable environment transformers uses for chat templates (trim_blocks, lstrip_blocks, loop
/// controls). Templates reach only the values passed in; output size and loop iterations are bounded.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Stmt> _body;
    private readonly FrameAnalysis _frames;

    private JinjaTemplate(string name, IReadOnlyList<Stmt> body, FrameAnalysis frames)
    {
        Name = name;
        _body = body;
        _frames = frames;
    }

    /// <summary>The name errors use for this template (e.g. the tokenizer folder, or a built-in template's name).</summary>
    public string Name { get; }

    /// <summary>The most characters one rendering may produce (default 64 Mi).</summary>
    public long MaxOutputChars { get; private init; } = 64L * 1024 * 1024;

    /// <summary>The most loop iterations one rendering may run, all loops together (default 10 million).</summary>
    public long MaxLoopIterations { get; private init; } = 10_000_000;

    /// <summary>This template with other bounds on output size and loop iterations.</summary>
    public JinjaTemplate WithLimits(long? maxOutputChars = null, long? maxLoopIterations = null) => new(Name, _body, _frames)
    {
        MaxOutputChars = Math.Max(0, maxOutputChars ?? MaxOutputChars),
        MaxLoopIterations = Math.Max(0, maxLoopIterations ?? MaxLoopIterations),
    };

    /// <summary>Parses <paramref name="source"/>; a syntax error or unsupported tag is a <see cref="SharpTuneException"/> naming <paramref name="name"/>, the line and the column.</summary>
    public static JinjaTemplate Parse(string source, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            var body = JinjaParser.Parse(source);
            CompileChecks.Run(body);
            return new JinjaTemplate(name, body, FrameAnalysis.Of(body));
        }
        catch (JinjaError e)
        {
            throw Describe(e, name);
        }
    }

    /// <summary>Renders with <paramref name="variables"/> (JSON values, as Python's json would load them) as the template's variables.</summary>
    public string Render(JsonObject variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in variables) values[k] = JsonValues.FromNode(v);
        return Render(values, null);
    }

    /// <summary>Renders with template values; <paramref name="extraGlobals"/> adds functions such as transformers' raise_exception.</summary>
    internal string Render(IReadOnlyDictionary<string, object?> variables, IReadOnlyDictionary<string, object?>? extraGlobals)
    {
        var globals = Globals.Create();
        if (extraGlobals != null) foreach (var (k, v) in extraGlobals) globals[k] = v;
        var interpreter = new Interpreter(globals, _frames, MaxOutputChars, MaxLoopIterations);
        try
        {
            return interpreter.Render(_body, variables);
        }
        catch (JinjaError e)
        {
            throw Describe(e, Name);
        }
        catch (InsufficientExecutionStackException e)
        {
            throw new SharpTuneException($"template '{Name}': limit exceeded: values or calls are nested too deeply", e);
        }
        catch (Exception e) when (e is InvalidCastException or ArgumentException or IndexOutOfRangeException or FormatException
                                      or OverflowException or NullReferenceException or InvalidOperationException or KeyNotFoundException)
        {
            // Not expected: our interpreter has a gap. Still a clear error rather than a crash, since templates are untrusted input.
            throw new SharpTuneException($"template '{Name}': could not render ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static SharpTuneException Describe(JinjaError e, string name)
    {
        var where = e.Position is { } p ? $"template '{name}', line {p.Line}, column {p.Column}" : $"template '{name}'";
        var message = e.Kind switch
        {
            "TemplateError" => "the template raised an error: " + e.Message,
            "TemplateSyntaxError" or "TemplateAssertionError" => e.Message,
            "LimitError" => "limit exceeded: " + e.Message,
            _ => $"{e.Message} ({e.Kind})",
        };
        return new SharpTuneException($"{where}: {message}", e);
    }
}
