using System.Text.Json.Nodes;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>
/// Templates written (by us) in the style of other well-known model families — ChatML, Mistral, Llama 2,
/// Zephyr, Phi-3, and a Llama 3.1-style tool-calling template — checked against jinja2.
/// </summary>
public sealed class CommonTemplateTests
{
    private const string ChatMl = """{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}""";

    private const string MistralStyle = """{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('user and assistant turns must alternate') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% else %}{{ raise_exception('unsupported role ' ~ message['role']) }}{% endif %}{% endfor %}""";

    private const string Llama2Style = """{% if messages[0]['role'] == 'system' %}{% set rest = messages[1:] %}{% set sys = messages[0]['content'] %}{% else %}{% set rest = messages %}{% set sys = false %}{% endif %}{% for message in rest %}{% if loop.index0 == 0 and sys != false %}{% set text = '<<SYS>>\n' + sys + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set text = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + text.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + text.strip() + ' ' + eos_token }}{% endif %}{% endfor %}""";

    private const string ZephyrStyle = """
        {% for message in messages %}
        {% if message['role'] == 'user' %}
        {{ '<|user|>\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'system' %}
        {{ '<|system|>\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'assistant' %}
        {{ '<|assistant|>\n'  + message['content'] + eos_token }}
        {% endif %}
        {% if loop.last and add_generation_prompt %}
        {{ '<|assistant|>' }}
        {% endif %}
        {% endfor %}
        """;

    private const string Phi3Style = """
        {% for message in messages %}
            {% if message['role'] in ['system', 'user', 'assistant'] %}
                {{- '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' -}}
            {% endif %}
        {% endfor %}
        {% if add_generation_prompt %}
            {{- '<|assistant|>\n' -}}
        {% else %}
            {{- eos_token -}}
        {% endif %}
        """;

    /// <summary>A tool-calling template in the manner of Llama 3.1's: date, custom tools, tools in the first user turn, tool calls and ipython results.</summary>
    private const string ToolCalling = """
        {{- bos_token }}
        {%- if custom_tools is defined %}
            {%- set tools = custom_tools %}
        {%- endif %}
        {%- if not tools_in_user_message is defined %}
            {%- set tools_in_user_message = true %}
        {%- endif %}
        {%- if not date_string is defined %}
            {%- set date_string = strftime_now("%d %b %Y") %}
        {%- endif %}
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] | trim %}
            {%- set messages = messages[1:] %}
        {%- else %}
            {%- set system_message = "" %}
        {%- endif %}
        {{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
        {%- if builtin_tools is defined or tools is not none %}
            {{- "Environment: ipython\n" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n" }}
        {%- endif %}
        {{- "Cutting Knowledge Date: December 2023\n" }}
        {{- "Today Date: " + date_string + "\n\n" }}
        {%- if tools is not none and not tools_in_user_message %}
            {{- "You may call these functions; answer with JSON {\"name\": ..., \"parameters\": ...}.\n\n" }}
            {%- for t in tools %}
                {{- t | tojson(indent=4) }}
                {{- "\n\n" }}
            {%- endfor %}
        {%- endif %}
        {{- system_message }}
        {{- "<|eot_id|>" }}
        {%- if tools_in_user_message and not tools is none %}
            {%- if messages | length != 0 %}
                {%- set first_user_message = messages[0]['content'] | trim %}
                {%- set messages = messages[1:] %}
            {%- else %}
                {{- raise_exception("tools go in the first user message, and there is none") }}
            {%- endif %}
            {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
            {{- "Answer with a function call in JSON, using one of:\n\n" }}
            {%- for t in tools %}
                {{- t | tojson(indent=4) }}
                {{- "\n\n" }}
            {%- endfor %}
            {{- first_user_message + "<|eot_id|>"}}
        {%- endif %}
        {%- for message in messages %}
            {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
                {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
            {%- elif 'tool_calls' in message %}
                {%- if not message.tool_calls|length == 1 %}
                    {{- raise_exception("one tool call per message") }}
                {%- endif %}
                {%- set tool_call = message.tool_calls[0].function %}
                {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
                    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
                    {{- "<|python_tag|>" + tool_call.name + ".call(" }}
                    {%- for arg_name, arg_val in tool_call.arguments | items %}
                        {{- arg_name + '="' + arg_val + '"' }}
                        {%- if not loop.last %}
                            {{- ", " }}
                        {%- endif %}
                    {%- endfor %}
                    {{- ")" }}
                {%- else %}
                    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
                    {{- '{"name": "' + tool_call.name + '", ' }}
                    {{- '"parameters": ' }}
                    {{- tool_call.arguments | tojson }}
                    {{- "}" }}
                {%- endif %}
                {%- if builtin_tools is defined %}
                    {{- "<|eom_id|>" }}
                {%- else %}
                    {{- "<|eot_id|>" }}
                {%- endif %}
            {%- elif message.role == "tool" or message.role == "ipython" %}
                {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
                {%- if message.content is mapping or message.content is iterable %}
                    {{- message.content | tojson }}
                {%- else %}
                    {{- message.content }}
                {%- endif %}
                {{- "<|eot_id|>" }}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}
        """;

    private static readonly JsonObject Tokens = JsonNode.Parse("""{"bos_token": "<s>", "eos_token": "</s>"}""")!.AsObject();

    private static List<PythonTemplates.Case> Cases(string name, string template, IEnumerable<(string Label, string Messages, string? Extra)> conversations)
    {
        var cases = new List<PythonTemplates.Case>();
        foreach (var (label, messages, extra) in conversations)
        {
            foreach (bool generation in new[] { false, true })
            {
                var variables = extra == null ? new JsonObject() : JsonNode.Parse(extra)!.AsObject();
                foreach (var (k, v) in Tokens) variables[k] = v!.DeepClone();
                variables["messages"] = Conversations.Parse(messages);
                variables["add_generation_prompt"] = generation;
                cases.Add(new PythonTemplates.Case($"{name} {label} gen={generation}", template, variables));
            }
        }
        return cases;
    }

    private static IEnumerable<(string, string, string?)> Basic => Conversations.Basic.Select(c => (c.Label, c.Json, (string?)null));

    [Fact]
    public void Simple_formats_match_jinja2()
    {
        var cases = Cases("chatml", ChatMl, Basic)
            .Concat(Cases("mistral", MistralStyle, Basic))
            .Concat(Cases("llama2", Llama2Style, Basic))
            .Concat(Cases("zephyr", ZephyrStyle, Basic))
            .Concat(Cases("phi3", Phi3Style, Basic))
            .ToList();
        // Mistral's alternation rule rejects conversations with a system message (or a system message alone).
        PythonTemplates.AssertSameAsPython(cases, ["mistral system", "mistral tricky", "mistral only system"]);
    }

    [Fact]
    public void Tool_calling_template_matches_jinja2()
    {
        const string tools = """
            {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather \"now\"",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "celsius": {"type": "boolean"}}, "required": ["city"]}}}]}
            """;
        (string, string, string?)[] conversations =
        [
            .. Basic.Where(c => c.Item1 != "only system"),
            ("no tools, date", """[{"role": "system", "content": "  Sys  "}, {"role": "user", "content": "Hi"}]""", """{"date_string": "01 Jan 2025"}"""),
            ("tools in user message", """[{"role": "system", "content": "Sys"}, {"role": "user", "content": " Weather? "}]""", tools),
            ("tools in system", """[{"role": "user", "content": "Weather?"}]""", tools[..^1] + """, "tools_in_user_message": false}"""),
            ("tool call and result", """
                [{"role": "user", "content": "Weather in Oslo?"},
                 {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo", "celsius": true}}}]},
                 {"role": "tool", "content": {"temp": -3.5, "sky": "clear"}},
                 {"role": "ipython", "content": "plain text result"},
                 {"role": "assistant", "content": "It is -3.5°C."}]
                """, tools[..^1] + """, "tools_in_user_message": false}"""),
            ("builtin tools", """
                [{"role": "user", "content": "Search it"},
                 {"role": "assistant", "tool_calls": [{"function": {"name": "brave_search", "arguments": {"query": "jinja"}}}]},
                 {"role": "tool", "content": "results"}]
                """, """{"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}"""),
            ("custom tools", """[{"role": "user", "content": "x"}]""", """{"custom_tools": [{"name": "f", "parameters": {}}]}"""),
            ("two tool calls", """[{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": {}}}, {"function": {"name": "b", "arguments": {}}}]}]""", null),
            ("no user message for tools", """[{"role": "system", "content": "s"}]""", tools),
        ];
        PythonTemplates.AssertSameAsPython(Cases("tools", ToolCalling, conversations), ["two tool calls", "no user message for tools"]);
    }
}
