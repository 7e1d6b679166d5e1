using System.Text.Json.Nodes;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>Conversations that exercise chat templates: system or not, one or many turns, empty and tricky text, tools.</summary>
internal static class Conversations
{
    /// <summary>Plain text conversations every template should handle (some templates reject some of them, e.g. strict alternation).</summary>
    public static readonly (string Label, string Json)[] Basic =
    [
        ("user", """[{"role": "user", "content": "Hello!"}]"""),
        ("system+user", """[{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"}]"""),
        ("system+user+assistant", """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]"""),
        ("multi-turn", """[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}, {"role": "user", "content": "e"}]"""),
        ("assistant last", """[{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi there"}]"""),
        ("empty content", """[{"role": "user", "content": ""}, {"role": "assistant", "content": ""}]"""),
        ("tricky text", """
            [{"role": "system", "content": "Héllo 😀 wörld\n\nline 2\t tab"},
             {"role": "user", "content": "{{ not a tag }} {% raw %} {# c #} 'single' \"double\" \\ backslash </s> <|im_end|> <tool_response>"},
             {"role": "assistant", "content": "  padded  \n\n"},
             {"role": "user", "content": "末尾\r\nwindows"}]
            """),
        ("newlines", """[{"role": "user", "content": "\n\nleading and trailing\n\n"}, {"role": "assistant", "content": "ok\n"}, {"role": "user", "content": " "}]"""),
        ("only system", """[{"role": "system", "content": "sys only"}]"""),
    ];

    public static JsonArray Parse(string json) => JsonNode.Parse(json)!.AsArray();
}
