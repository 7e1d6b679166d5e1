using System.Text.Json.Nodes;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>
/// Each interpreter feature, checked against Python's jinja2 (as transformers configures it): many small
/// templates per test, rendered by one Python call.
/// </summary>
public sealed class JinjaFeatureTests
{
    private const string SharedVariables = """
        {
          "d": {"a": 1, "items": 5, "n": null, "b": "two"},
          "l": [1, 2, 3],
          "s": "hello",
          "f": 2.5,
          "e": "",
          "msgs": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": "a", "extra": 1}
          ],
          "m": {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image"}]},
          "messages": []
        }
        """;

    private static void Check(params string[] templates)
    {
        var variables = JsonNode.Parse(SharedVariables)!.AsObject();
        var cases = templates.Select((t, i) => new PythonTemplates.Case($"#{i}", t, variables)).ToList();
        PythonTemplates.AssertSameAsPython(cases);
    }

    [Fact]
    public void Whitespace_control_trim_and_lstrip_blocks()
    {
        Check(
            "a\n{% if true %}\nb\n{% endif %}\nc",
            "  {% if true %}x{% endif %}  \n  {{ 'y' }}  ",
            "{%- if true -%}  x  {%- endif -%}",
            "a  {#- comment -#}  b",
            "a\n  {# c #}\nb",
            "a {# c #} b",
            "{% raw %}{{ not parsed }} {% if %}{% endraw %}",
            "x\n  {% raw %}\n{{ y }}\n  {% endraw %}\nz",
            "x {%+ if true %}y{% endif %}",
            "  {%+ if true %}y{% endif %}",
            "line1\r\nline2\r\n",
            "keep\n\n",
            "{{ 'a' }}\n{{ 'b' }}\n",
            "{% for i in range(3) %}\n  {{ i }}\n{% endfor %}\n",
            "  {%- if true %}x{% endif +%}\ny",
            "{{- ' a ' -}}  \n b",
            "{% set x = 1 -%}\n\n  {{ x }}",
            "{{ {'a': {'b': 1}} }}",
            "\t{% if true %}\n\tx\n\t{% endif %}\n",
            "a\n    {%- if true %}\n    b\n    {%- endif %}\nc",
            "{% if true %}   \n x{% endif %}",
            "{% if true %}x{% endif %}\n\n{% if true %}y{% endif %}",
            "{{ '{{' }} {{ '}}' }} {# {{ x }} #}",
            "{#- only comment -#}\n",
            "{%- for m in l %}\n    {{- m }},\n{%- endfor %}",
            "{{ 1 }}{# a\nmultiline\ncomment #}{{ 2 }}",
            "{{-1}}|{{ -1 }}|{{+1}}");
    }

    [Fact]
    public void Literals_operators_and_printing()
    {
        Check(
            "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7 / 2 }} {{ 6 / 3 }}",
            "{{ 1.5 }} {{ 1e16 }} {{ 1.0e-5 }} {{ 0.1 + 0.2 }} {{ 1_000 }} {{ 0x1F }} {{ 0b101 }} {{ 0o17 }} {{ 3.0 }} {{ 100.0 * 3 }} {{ 1e22 }} {{ 123456789.123 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ -0.0 }} {{ 2.5 // 1 }} {{ -2.5 % 2 }} {{ 5.0 // -2 }}",
            "{{ 'a' ~ 1 ~ none ~ true ~ 1.5 ~ x }}",
            "{{ 'ab' * 3 }} {{ 2 * 'ab' }} {{ [1] * 3 }} {{ [1, 2] + [3] }} {{ (1, 2) + (3,) }} {{ 'a' * 0 }}|{{ true + 1 }} {{ 1.5 * 2 }}",
            "{{ true and 'x' }} {{ false or 'y' }} {{ 0 or [] }} {{ not 0 }} {{ none is none }} {{ 1 and 0 }} {{ '' or 0 or 'z' }}",
            "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ 2 >= 2.0 }} {{ (1, 2) == (1, 2) }} {{ [1] == (1,) }} {{ {'a': 1} == {'a': 1} }} {{ true == 1 }} {{ none == 0 }}",
            "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ '' in 'x' }} {{ 1 in (1, 2) }} {{ 'x' in x }}",
            "{{ 'yes' if 1 > 0 else 'no' }} {{ 'y' if false }}|{{ 'a' if false else 'b' if true else 'c' }}",
            "{{ -3|abs }} {{ -2 ** 2 }} {{ - 2 }} {{ +3 }} {{ -f }} {{ not not 1 }}",
            """{{ 'it\'s' }} {{ "q\"q" }} {{ 'tab\tx' }} {{ 'nl\nx' }} {{ 'uni\u00e9' }} {{ 'x\y' }} {{ 'a' 'b' "c" }} {{ '\x41\101' }} {{ 'é\é' }}""",
            "{{ [1, 'a', none, true, 1.5, [2], {'k': 'v'}] }} {{ (1,) }} {{ () }} {{ {} }} {{ {'a': 1, 'b': 'x'} }} {{ [] }} {{ ((1, 2), [3]) }}",
            """{{ ['it\'s', "q\"", 'both\'"', 'nl\n', 'é😀', '\x01', '\u200b', 'back\\slash', '\x7f', '\xa0', '\u2028'] }}""",
            "{{ none }} {{ true }} {{ False }} {{ None }} {{ True }} {{ e }}|{{ x }}|",
            "{{ 1, 2 }} {{ (1, 'a') }}",
            "{{ 2 ** 62 }} {{ 10 ** 18 }} {{ 1.5 ** 2 }} {{ 4 ** 0.5 }} {{ 2 ** 0 }}",
            "{{ -0.5 ** l[0] }} {{ (1 - 3) ** l[1] }} {{ '-3'|int ** l[0] }} {{ [-1][0] ** l[1] }} {{ -2 ** 2 }} {{ -l[1] ** 2 }} {{ -0.0 ** e|length }} {{ -2 ** -l[0] }}",
            "{{ 9007199254740993 }} {{ 1e308 * 10 }} {{ -1e308 * 10 }} {{ 12345678901234567890.0 }} {{ 1/3 }} {{ 2/3 }} {{ 100/7 }}");
    }

    [Fact]
    public void Variables_attributes_items_and_slices()
    {
        Check(
            "{{ d.a }} {{ d['a'] }} {{ d['items'] }} {{ d.n }} {{ d.missing }}|{{ d['b'] }} {{ d.b.upper() }}",
            "{{ l[0] }} {{ l[-1] }} {{ l[5] }}|{{ l.0 }} {{ s[1] }} {{ s[-1] }} {{ s[10] }}|",
            "{{ s[1:3] }} {{ s[::-1] }} {{ l[::2] }} {{ l[1:] }} {{ l[:-1] }} {{ l[-2:] }} {{ l[::-2] }} {{ s[:100] }} {{ s[-100:2] }} {{ l[3:1] }} {{ 'héllo😀'[::-1] }} {{ 'héllo😀'[-2:] }} {{ (1, 2, 3)[1:] }}",
            "{{ x is defined }}|{{ x|default('dflt') }}|{{ none|default('n') }}|{{ e|default('e', true) }}|{{ d.missing|default('m') }}|{{ x|d('short') }}",
            "{{ x.y }}",
            "{{ d.missing.x }}",
            "{{ (d|default({})).a }} {{ {'a': 1}['a'] }} {{ [[1, 2]][0][1] }} {{ d['a']['b'] }}|{{ none.a }}|{{ 3.x }}|",
            "{{ m['content'] }} {{ m.content[0].text }} {{ msgs[2] }}",
            "{{ msgs[0]['role'] }}{{ msgs[-1].content }}{{ msgs|length }}",
            "{{ l[1.5] }}|{{ d[[1]] }}|{{ x[0] }}");
    }

    [Fact]
    public void Loops_scoping_and_namespaces()
    {
        Check(
            "{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.depth }},{% endfor %}",
            "{% for x in l %}{{ loop.previtem|default('-') }}{{ x }}{{ loop.nextitem|default('-') }} {% endfor %}",
            "{% for x in l %}{{ loop.cycle('a', 'b') }}{% endfor %}",
            "{% for x in l if x > 1 %}{{ x }}{{ loop.index }}/{{ loop.length }}{{ loop.last }} {% endfor %}",
            "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
            "{% for x in [] %}x{% else %}empty{% endfor %} {% for x in l if x > 5 %}x{% else %}none passed{% endfor %}",
            "{% for x in l %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}",
            "{% for x in l %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}",
            "{% for x in l[::-1] %}{{ x }}{% endfor %} {% for x in l|reverse %}{{ x }}{% endfor %}",
            "{% for c in 'héllo😀' %}{{ c }}|{% endfor %}",
            "{% for x in d %}{{ x }}{% endfor %} {% for x in x %}never{% endfor %}",
            "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [3, 4] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}",
            "{% for x in l %}{{ loop.changed(x > 1) }}{% endfor %}",
            "{% set x = 0 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}",
            "{% for i in [1, 2] %}{{ y|default('u') }}{% set y = i %}{% endfor %}{{ y|default('after') }}",
            "{% if true %}{% set z = 5 %}{% endif %}{{ z }}",
            "{% set ns = namespace(total=0, found=false) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.total }} {{ ns.found }} {{ ns }}",
            "{% set ns = namespace(d, extra=1) %}{{ ns.a }} {{ ns.extra }} {{ ns.missing|default('none') }}",
            "{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %} {% set p, q = 1, 2 %}{{ p }}{{ q }} {% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}",
            "{% for a, b in [(1, 2, 3)] %}{% endfor %}",
            "{% set x %}inner {{ 1 + 1 }}{% endset %}[{{ x }}] {% set y | upper %}abc{% endset %}{{ y }}",
            "{% if 0 %}a{% elif '' %}b{% elif [1] %}c{% else %}d{% endif %} {% if x is defined and x %}a{% else %}b{% endif %}",
            "{% for m in msgs %}{% if loop.first and m.role == 'system' %}[{{ m.content }}]{% elif m.role == 'user' %}U:{{ m.content }}{% else %}{{ m.role }}{% endif %}{% endfor %}",
            "{% for i in range(3) %}{% for j in range(i) %}{{ i }}{{ j }} {% endfor %}{% endfor %}",
            "{% for x in l %}{{ x }}{% else %}no{% endfor %}{{ loop is defined }}",
            "{% with a = 1, b = 2 %}{{ a + b }}{% set w = 3 %}{% endwith %}{{ a|default('out') }}{{ w|default('out') }}",
            "{% set q = 1 %}{% set q.a = 1 %}",
            "{% for x in l %}{% if x > 1 %}{% break %}{% endif %}{% else %}else ran{% endfor %}|{% for x in l %}{% break %}{% else %}else ran{% endfor %}|{% for x in l %}{% continue %}{% else %}else ran{% endfor %}",
            "{% for x in l %}{% set y %}<{{ x }}>{% if x == 2 %}{% continue %}{% endif %}{% endset %}{{ y }}{% endfor %}|{% for x in l %}{% with z = x %}{{ z }}{% if z == 2 %}{% break %}{% endif %}{% endwith %}{% endfor %}",
            "{% break %}",
            "{% for x in l %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}",
            "{% if false %}{% for x in l %}{% else %}{% break %}{% endfor %}{% endif %}",
            "{% generation %}{{ varargs }}{{ kwargs }}|{{ caller is defined }}{% endgeneration %}");
    }

    [Fact]
    public void Compile_time_scoping_of_names_assigned_later()
    {
        // jinja2 decides per frame, before running, which names are the frame's own: a name the template sets
        // unconditionally is undefined until then, even inside loops that run earlier and see a variable of that name.
        var variables = new JsonObject { ["x"] = "X", ["messages"] = new JsonArray() };
        string[] templates =
        [
            "{{ x }}{% set x = 'S' %}{{ x }}",
            "{% for i in [1] %}{{ x }}{% endfor %}{% set x = 'S' %}",
            "{% if true %}{{ x }}{% endif %}{% set x = 'S' %}",
            "{% macro m() %}{{ x }}{% endmacro %}{{ m() }}{% set x = 'S' %}{{ m() }}",
            "{% for i in [1] %}{{ x }}{% endfor %}{% if false %}{% set x = 'S' %}{% endif %}",
            "{% for i in [1] %}{% for j in [1] %}{{ x }}{% endfor %}{% endfor %}{% set x = 'S' %}",
            "{% set y %}{{ x }}{% endset %}{{ y }}{% set x = 'S' %}",
            "{% for i in [1] %}{{ x }}{% endfor %}{% for x in [1] %}{% endfor %}",
            "{% for i in [1] %}{{ x }}{% endfor %}{% set x, z = 1, 2 %}",
            "{% for i in [1] %}{{ x }}{% endfor %}{% macro x() %}{% endmacro %}",
            "{% for i in [1, 2] %}{{ x }}{% set x = 'T' %}{% endfor %}{% set x = 'S' %}",
            "{% if false %}{% set x = 'S' %}{% endif %}{% for i in [1] %}{{ x }}{% endfor %}",
            "{% macro m() %}{% for i in [1] %}{{ x }}{% endfor %}{% set x = 'T' %}{% endmacro %}{{ m() }}",
            "{% for i in [1] %}{% for j in [1] %}{{ x }}{% endfor %}{% set x = 'T' %}{% endfor %}",
            "{% filter upper %}{{ x }}{% endfilter %}{% set x = 's' %}",
            "{% for i in [] %}{% else %}{{ x }}{% endfor %}{% set x = 'S' %}",
            "{% set x = x ~ '!' %}{{ x }} {% for i in [1] %}{% set x = x ~ '?' %}{{ x }}{% endfor %}{{ x }}",
            "a{#",
        ];
        PythonTemplates.AssertSameAsPython(templates.Select((t, i) => new PythonTemplates.Case($"#{i}", t, variables)).ToList());
    }

    [Fact]
    public void Macros_call_blocks_and_filter_blocks()
    {
        Check(
            "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('A') }} {{ greet('B', 'Hi') }} {{ greet(name='C', greeting='Yo') }} {{ greet(greeting='G', name='D') }}",
            "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}",
            "{% macro m(a, b) %}{{ a }}|{{ b }}|{{ b is defined }}{% endmacro %}{{ m(1) }}",
            "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
            "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, c=2) }}",
            "{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}inside{% endcall %}",
            "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}",
            "{% filter upper %}abc {{ 'def' }}{% endfilter %} {% filter replace('a', 'b') %}aaa{% endfilter %}",
            "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}",
            "{% macro m() %}{{ later }}{% endmacro %}{% set later = 'seen' %}{{ m() }}",
            "{% for i in [1, 2] %}{% macro m() %}{{ i }}{% endmacro %}{{ m() }}{% endfor %}",
            "{% macro m(x, y=x * 2) %}{{ y }}{% endmacro %}{{ m(3) }}",
            "{% macro render_tool(t) %}{{ t.name }}({{ t.args|join(', ') }}){% endmacro %}{% for t in [{'name': 'f', 'args': ['a', 'b']}] %}{{ render_tool(t) }}{% endfor %}",
            "{% set out = namespace(s='') %}{% macro add(v) %}{% set out.s = out.s ~ v %}{% endmacro %}{{ add('x') }}{{ add('y') }}{{ out.s }}",
            "{% macro m() %}{% set local = 1 %}{% endmacro %}{{ m() }}{{ local|default('no leak') }}");
    }

    [Fact]
    public void String_filters()
    {
        Check(
            "{{ '  x  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ ' \t\n y \u3000'|trim }}|{{ 'Hello'|upper }}{{ 'Hello'|lower }}|{{ 'hello world-foo (bar [baz <q'|title }}|{{ 'hELLO wORLD'|capitalize }}",
            "{{ 'aXbX'|replace('X', '-') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'abc'|replace('', '.') }}|{{ 1|replace(1, 2) }}",
            "{{ 'abc'|center(9) }}|{{ 'abc'|center(8) }}|{{ 'ab'|center(1) }}|{{ 'a b  c\td'|wordcount }} {{ 'it\\'s a_b c-d'|wordcount }}",
            "{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(2, blank=true) }}|{{ 'x'|indent('> ', first=true) }}|{{ ''|indent(first=true) }}",
            "{{ 'hello world foo bar baz'|truncate(12) }}|{{ 'hello world foo bar baz'|truncate(12, true) }}|{{ 'short'|truncate(10) }}|{{ 'abcdefghijklmnopqrstu'|truncate(10, true, '…', 0) }}",
            "{{ '%s-%d-%.2f-%5s-%-5s|%x'|format('a', 3, 3.14159, 'r', 'l', 255) }} {{ '%(a)s+%(b)s'|format(a=1, b=2) }} {{ '%05.1f|%+d|% d|%e|%g|%g|%g|%%'|format(3.14159, 5, 7, 12345.678, 0.00001234, 123456789, 100) }}",
            "{{ '%r %s %s'|format('x', [1], none) }} {{ '%d' % 3.9 }} {{ '%s and %s' % ('a', 'b') }} {{ '%5.2f%%' % 12.345 }} {{ '%X %o %c' % (255, 8, 65) }}",
            "{{ '{} {}'.format(1, 'a') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}!'.format(name='n') }} {{ '{:>5}|{:<5}|{:^5}|{:05d}|{:.3f}|{:,}|{:x}|{!r}'.format('a', 'b', 'c', 42, 3.14159, 1234567, 255, 'q') }} {{ '{{}}'.format() }}",
            "{{ '{0[a]} {0.b} {1[0]}'.format(d, l) }} {{ '{:*^9}|{:+.1e}|{:.2%}|{:g}|{:.3}|{}'.format('mid', 12345.6789, 0.1234, 1e20, 3.14159, 1.0) }}",
            "{{ 1|string }}{{ [1, 'a']|string }}{{ none|string }}{{ x|string }}|{{ 'x'|safe }}|{{ '<a href=\"x\">&\\'</a>'|escape }}|{{ '<b>'|e }}",
            "{{ d|tojson }}|{{ l|tojson(indent=2) }}|{{ {'b': 1, 'a': [1, 2.5, none, true, 'é\"\\\\\n\t\x01']}|tojson }}|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ 'é😀'|tojson(ensure_ascii=true) }}",
            "{{ [1, 2]|tojson(separators=(',', ':')) }}|{{ {'a': {}}|tojson(indent=4) }}|{{ [[]]|tojson(indent='\t') }}|{{ 1.0|tojson }}|{{ {1: 2, true: 3, none: 4, 1.5: 5}|tojson }}|{{ msgs|tojson }}|{{ 'x'|tojson(true) }}|{{ 1e16|tojson }}|{{ {'a': 1}|tojson(indent=0) }}",
            "{{ '<b>'|safe + '<i>' }} {{ '<i>' + '<b>'|safe }} {{ ['x'|safe, 'y'|e, '<'|e] }} {{ ('<'|safe) ~ '<' }} {{ ('%s|%s'|safe) % ('<', '<'|safe) }} {{ ('a<b'|safe).replace('a', '&') }} {{ ('<'|safe).join(['<', '>'|safe]) }} {{ ('x'|safe)|upper }} {{ ('a b'|safe).split() }} {{ '<'|e|e }} {{ '<'|safe|forceescape }} {{ ('<x>'|safe)|truncate(3, true, '>', 0) }}",
            "{{ x|tojson }}",
            "{{ {(1, 2): 3}|tojson }}",
            "{{ 'a'|upper(1) }}");
    }

    [Fact]
    public void Sequence_and_mapping_filters()
    {
        Check(
            "{{ l|length }} {{ l|count }} {{ l|first }} {{ l|last }} {{ l|join(', ') }} {{ l|sum }} {{ l|max }} {{ l|min }} {{ l|list }} {{ l|reverse|list }} {{ d|length }} {{ s|length }}",
            "{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'a', 'B']|sort }} {{ ['b', 'A', 'a']|sort(case_sensitive=true) }} {{ [1, 2, 2, 3, 1]|unique|list }} {{ ['a', 'A', 'b']|unique|list }} {{ ['a', 'A']|unique(case_sensitive=true)|list }}",
            "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [0, 1, '', none, 'x']|select|list }} {{ [1, 2, 3]|select('>', 1)|list }} {{ [1, 2, 3]|select('in', [1, 3])|list }} {{ [1, 2, 3]|select('divisibleby', 3)|list }} {{ [0, 1]|reject|list }}",
            "{{ msgs|selectattr('role', 'equalto', 'user')|list }} {{ msgs|rejectattr('role', 'eq', 'system')|map(attribute='content')|join('/') }} {{ msgs|map(attribute='extra', default='-')|list }} {{ msgs|selectattr('extra')|list|length }} {{ msgs|selectattr('extra', 'defined')|list|length }}",
            "{{ msgs|map(attribute='role')|map('upper')|list }} {{ msgs|groupby('role')|map(attribute='grouper')|list }} {{ ['x', 'yy']|map('length')|list }} {{ [1.5, 2.5]|map('round')|list }} {{ ['a', 'b']|map('replace', 'a', 'z')|list }}",
            "{{ {'b': 2, 'a': 1, 'C': 3}|dictsort }} {{ {'b': 2, 'a': 1, 'C': 3}|dictsort(true) }} {{ {'b': 2, 'a': 1}|dictsort(by='value', reverse=true) }} {{ {'a': 1}|items|list }} {{ d.items()|list }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items() }} {{ d.keys() }}",
            "{{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {{ l.index(2) }} {{ l.count(2) }} {{ (1, 1).count(1) }} {{ d.copy() }}",
            "{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3, 4, 5]|batch(2, 'x')|list }} {{ [1, 2, 3, 4, 5]|slice(3)|list }} {{ [1, 2, 3, 4]|slice(3, 0)|list }} {{ [{'a': 2}, {'a': 1}]|sort(attribute='a') }} {{ [{'a': 1, 'b': 2}, {'a': 1, 'b': 1}]|sort(attribute='a,b') }}",
            "{{ [3, 1]|max }} {{ ['b', 'A']|max }} {{ ['b', 'A']|max(case_sensitive=true) }} {{ [{'v': 3}, {'v': 5}]|max(attribute='v') }} {{ []|max }}|{{ [1.5, 2]|sum }} {{ [{'v': 3}, {'v': 5}]|sum(attribute='v') }} {{ [[1], [2]]|sum(start=[]) }} {{ []|sum }}",
            "{{ 'abc'|list }} {{ {'a': 1}|list }} {{ 'abc'|first }} {{ 'abc'|last }} {{ 'héllo😀'|length }} {{ 'héllo😀'|reverse }} {{ 'abc'|reverse }} {{ []|first is defined }} {{ x|length }} {{ x|list }} {{ x|join }} {{ x|trim }}|{{ x|first is defined }} {{ x|sort }} {{ x|unique|list }}",
            "{{ [1, 2]|join }} {{ [1, none, 'a', x]|join('-') }} {{ [{'n': 'a'}, {'n': 'b'}]|join(',', attribute='n') }} {{ ('a', 'b')|join }} {{ 'abc'|join('.') }}",
            "{{ msgs|groupby('role') }} {% for g in msgs|groupby('role') %}{{ g.grouper }}:{{ g.list|length }} {% endfor %}",
            "{{ l|select('odd') is defined }} {{ (l|select('odd')) is iterable }} {% set g = l|select('odd') %}{{ g|list }}{{ g|list }} {{ 'yes' if [] | select else 'no' }}",
            "{{ l|select('odd')|length }}",
            "{{ l|map('nosuchfilter')|list }}",
            "{{ 1|first }}",
            "{{ {'a': 1}|attr('a') }}|{{ d|attr('items') is defined }}");
    }

    [Fact]
    public void Number_filters()
    {
        Check(
            "{{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ '0x1A'|int(0, 16) }} {{ '0b11'|int(0, 0) }} {{ 3.9|int }} {{ -3.9|int }} {{ true|int }} {{ none|int }} {{ '1_000'|int }} {{ ' 12 '|int }} {{ '12abc'|int }} {{ [1]|int }} {{ '1e3'|int }}",
            "{{ '3.5'|float }} {{ 'x'|float }} {{ 2|float }} {{ '1e3'|float }} {{ ' inf'|float }} {{ '-Infinity'|float }} {{ 'nan'|float }} {{ none|float }} {{ '1_0.5'|float }} {{ '.5'|float }} {{ '5.'|float }}",
            "{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ -2.5|round }} {{ 1234.5|round(-2) }} {{ 7|round }} {{ 1234|round(-2) }} {{ 1250|round(-2) }} {{ 1350|round(-2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ 0.125|round(2) }} {{ -0.001|round(2) }} {{ 1.0005|round(3) }} {{ 5|round(1, 'floor') }}",
            "{{ -5|abs }} {{ -2.5|abs }} {{ true|abs }} {{ 1000|filesizeformat }} {{ 1024|filesizeformat(true) }} {{ 1|filesizeformat }} {{ 123456789|filesizeformat }} {{ 999|filesizeformat }}",
            "{{ x|int }}",
            "{{ 'a'|round }}");
    }

    [Fact]
    public void Tests_after_is()
    {
        Check(
            "{{ 1 is odd }}{{ 2 is even }}{{ 9 is divisibleby 3 }}{{ x is undefined }}{{ none is none }}{{ 'a' is string }}{{ 1 is number }}{{ 1.0 is float }}{{ 1 is integer }}{{ true is integer }}{{ true is boolean }}{{ true is true }}{{ 0 is false }}{{ {} is mapping }}",
            "{{ [] is sequence }}{{ 'a' is sequence }}{{ {} is sequence }}{{ 1 is sequence }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ 'a' is lower }}{{ 'A' is upper }}{{ x is sequence }}{{ x is iterable }}{{ range(3) is sequence }}{{ d.items() is sequence }}{{ none is iterable }}",
            "{{ 1 is eq 1 }}{{ 1 is equalto 1 }}{{ 2 is gt 1 }}{{ 2 is ge 2 }}{{ 1 is lt 2 }}{{ 1 is le 0 }}{{ 1 is ne 2 }}{{ 1 is in [1] }}{{ 'upper' is filter }}{{ 'odd' is test }}{{ 'nope' is filter }}{{ none is sameas none }}{{ 1 is sameas 1 }}{{ 1 is == 1 }}",
            "{{ 1 is not odd }}{{ x is not defined }}{{ not x is defined }}{{ 3.0 is odd }}{{ true is odd }}{{ l is callable }}{{ s.upper is callable }}{{ x is callable }}{{ d.n is none }}{{ d.missing is defined }}",
            "{{ 'a' is odd }}",
            "{{ 1 is nosuchtest }}",
            "{% if false %}{{ 1 is nosuchtest }}{{ 1|nosuchfilter }}{% endif %}ok");
    }

    [Fact]
    public void String_methods()
    {
        Check(
            "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\n\nab\n'.lstrip('\n') }}|{{ 'ab  '.rstrip() }}|{{ 'abcba'.strip('ab') }}|{{ 'a😀b😀'.rstrip('😀b') }}",
            "{{ 'a,b,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ '  a b  c  '.split(none, 1) }}|{{ '  a b  c  '.rsplit(none, 1) }}|{{ 'a\nb\r\nc\n'.splitlines() }}|{{ 'a\nb'.splitlines(true) }}|{{ ''.split() }}|{{ ''.split(',') }}|{{ 'a,b'.split(sep=',') }}",
            "{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.startswith('b', 1) }}{{ 'abc'.endswith('b', 0, 2) }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ \"they're bill's 2nd\".title() }}|{{ 'hELLO'.capitalize() }}|{{ 'aBc'.swapcase() }}",
            "{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'abc'.replace('', '-') }}|{{ 'abcabc'.find('c') }}{{ 'abcabc'.rfind('c') }}{{ 'abc'.find('z') }}{{ 'abcabc'.find('b', 2) }}|{{ 'abcabc'.count('bc') }}{{ 'aaa'.count('') }}|{{ 'abcabc'.index('c') }}",
            "{{ '-'.join(['a', 'b']) }}|{{ 'ab'.center(6, '*') }}|{{ 'ab'.ljust(4, '.') }}{{ 'ab'.rjust(4) }}|{{ '42'.zfill(5) }}{{ '-42'.zfill(5) }}|{{ 'a=b=c'.partition('=') }}{{ 'a=b=c'.rpartition('=') }}{{ 'abc'.partition('=') }}|{{ 'prefix_x'.removeprefix('prefix_') }}{{ 'x.txt'.removesuffix('.txt') }}",
            "{{ '123'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}{{ 'AB'.isupper() }}{{ 'ab1'.isalnum() }}{{ ''.isdigit() }}{{ 'Title Case'.istitle() }}{{ 'a1'.islower() }}{{ '١٢'.isdecimal() }}",
            "{% set c = '<think>\nreason\n</think>\n\nanswer' %}{{ c.split('</think>')[-1].lstrip('\n') }}|{{ c.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') }}|{{ '</think>' in c }}",
            "{{ 'x'.index('z') }}",
            "{{ '-'.join([1, 2]) }}",
            "{{ 'abc'.strip(1) }}");
    }

    [Fact]
    public void Globals_and_transformers_functions()
    {
        Check(
            "{{ range(5)|list }} {{ range(2, 10, 3)|list }} {{ range(5, 0, -2)|list }} {{ range(3) }} {{ range(0)|list }} {{ range(1, 10, 2) }} {{ range(3)|length }} {{ range(10)[2] }}",
            "{{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }} {{ dict({'k': 'v'}, z=0) }} {{ dict() }}",
            "{% set j = joiner('|') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}",
            "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %p %I %a %y %w') }} {{ strftime_now('%-d %-m %e %%') }}",
            "{{ raise_exception('boom') }}",
            "{% if true %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}",
            "{{ range(100001)|length }}",
            "{{ range(1.5) }}",
            "{{ tools }}|{{ documents }}|{{ add_generation_prompt }}|{{ tools is none }}|{{ tools is defined }}",
            "{{ nosuchfunction() }}");
    }

    [Fact]
    public void Errors_and_sandbox()
    {
        Check(
            "{{ 'a' + 1 }}",
            "{{ 1 < 'a' }}",
            "{{ [].append(1) }}",
            "{{ ''.__class__.__mro__ }}",
            "{{ ''.__class__ }}|{{ [].append }}|{{ d.clear }}|{{ d.pop }}|{{ l.__len__ }}|{{ d.update }}|",
            "{{ d.pop('a') }}",
            "{{ l.sort() }}",
            "{{ 1 / 0 }}",
            "{{ 1 // 0 }}",
            "{{ 1 % 0 }}",
            "{{ none + 1 }}",
            "{{ x + 1 }}",
            "{{ x() }}",
            "{{ 'abc'() }}",
            "{{ -'a' }}",
            "{{ [1] + (2,) }}",
            "{{ 'a' * 'b' }}",
            "{{ x < 1 }}",
            "{{ 1 in 5 }}",
            "{{ 1 in 'abc' }}",
            "{{ d[x] }}",
            "{% for i in 5 %}{% endfor %}",
            "{{ l.append }}{{ l.missing }}|{{ (1, 2).append }}",
            "{{ l.missing() }}",
            "{{ {[1]: 2} }}");
    }
}
