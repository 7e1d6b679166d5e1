using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;
using SharpTune.Tokenization.Templates.Jinja;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>Errors name the template, line and column; raise_exception carries its message; the sandbox and the limits hold.</summary>
public sealed class JinjaErrorTests
{
    private static SharpTuneException Fails(string source, string name = "t.jinja", JsonObject? variables = null) =>
        Assert.Throws<SharpTuneException>(() => JinjaTemplate.Parse(source, name).Render(variables ?? []));

    [Fact]
    public void Syntax_errors_give_template_line_and_column()
    {
        var e = Fails("line one\n{% if x %}\n  ok\n   {% frobnicate %}\n{% endif %}", "my_template");
        Assert.Equal("template 'my_template', line 4, column 7: Encountered unknown tag 'frobnicate'. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.", e.Message);

        Assert.Contains("line 1, column 4: unexpected end of template", Fails("{{ ").Message);
        Assert.Contains("line 1, column 17: Unexpected end of template. Jinja was looking for the following tags: 'endfor' or 'else'", Fails("{% for x in y %}\n").Message);
        Assert.Contains("line 1, column 7: expected token 'end of print statement', got 'b'", Fails("{{ a  b }}").Message);
        Assert.Contains("line 1, column 4: the 'include' tag is not supported", Fails("{% include 'x.html' %}").Message);
        Assert.Contains("line 1, column 4: the 'extends' tag is not supported", Fails("{% extends 'x' %}").Message);
        Assert.Contains("line 3, column 8: No filter named 'nosuch'.", Fails("a\nb\nc {{ x|nosuch }}").Message);
        Assert.Contains("line 1, column 1: Missing end of comment tag", Fails("{# open").Message);
        Assert.Contains("line 1, column 19: recursive for loops are not supported", Fails("{% for x in items recursive %}{% endfor %}").Message);
        Assert.Contains("unexpected char '@'", Fails("{{ @ }}").Message);
        Assert.Contains("unexpected ')'", Fails("{{ x) }}").Message);
    }

    [Fact]
    public void Runtime_errors_give_the_position_of_the_failing_expression()
    {
        var e = Fails("{% for m in messages %}\n  {{ m.role + 1 }}\n{% endfor %}", variables: new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user" }) });
        Assert.Equal("template 't.jinja', line 2, column 13: can only concatenate str (not \"int\") to str (TypeError)", e.Message);
        Assert.Contains("line 1, column 8: 'x' is undefined (UndefinedError)", Fails("ok {{ x.y }}").Message);
    }

    [Fact]
    public void Raise_exception_carries_the_templates_message()
    {
        var gemma = TokenizerConfig.Load(Peers.TokenizerFolder("gemma3"));
        var template = ChatTemplate.Resolve(null, gemma, "gemma3");
        var e = Assert.Throws<SharpTuneException>(() => template.Render([new ChatMessage("user", "a"), new ChatMessage("user", "b")]));
        Assert.Contains("Conversation roles must alternate user/assistant/user/assistant/...", e.Message);
        Assert.StartsWith("template 'gemma3 chat_template', line 19, column 12: the template raised an error: Conversation roles must alternate", e.Message);
    }

    [Fact]
    public void Sandbox_refuses_internals_and_mutation()
    {
        Assert.Equal("|", JinjaTemplate.Parse("{{ ''.__class__ }}|{{ messages.__len__ }}", "s").Render(new JsonObject { ["messages"] = new JsonArray() }));
        Assert.Contains("access to attribute '__class__' of 'str' object is unsafe. (SecurityError)", Fails("{{ ''.__class__.__mro__ }}").Message);
        Assert.Contains("access to attribute 'append' of 'list' object is unsafe. (SecurityError)", Fails("{{ [].append(1) }}").Message);
        Assert.Contains("access to attribute 'update' of 'dict' object is unsafe. (SecurityError)", Fails("{% set d = {} %}{{ d.update({'a': 1}) }}").Message);
        Assert.Contains("cannot assign attribute on non-namespace object", Fails("{% set d = {} %}{% set d.a = 1 %}").Message);
        Assert.Equal("", JinjaTemplate.Parse("{{ messages.GetType }}{{ messages.Count }}", "s").Render(new JsonObject { ["messages"] = new JsonArray() }));
    }

    [Fact]
    public void Limits_stop_runaway_templates()
    {
        Assert.Contains("Range too big", Fails("{{ range(100001)|length }}").Message);
        Assert.Contains("limit exceeded: a string would exceed", Fails("{{ 'a' * 100000000 }}").Message);
        Assert.Contains("limit exceeded: a string would exceed", Fails("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}").Message);
        Assert.Contains("limit exceeded: macros call each other more than", Fails("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").Message);
        Assert.Contains("expression is nested too deeply", Fails("{{ " + new string('(', 300) + "1" + new string(')', 300) + " }}").Message);

        var loops = JinjaTemplate.Parse("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "loops").WithLimits(maxLoopIterations: 10_000);
        Assert.Contains("limit exceeded: the template ran more than 10,000 loop iterations", Assert.Throws<SharpTuneException>(() => loops.Render([])).Message);
        var output = JinjaTemplate.Parse("{% for i in range(100) %}0123456789{% endfor %}", "out");
        Assert.Equal(1000, output.Render([]).Length);
        Assert.Contains("the rendered text would exceed 500 characters", Assert.Throws<SharpTuneException>(() => output.WithLimits(maxOutputChars: 500).Render([])).Message);
    }
}
