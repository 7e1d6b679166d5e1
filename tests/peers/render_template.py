#!/usr/bin/env python3
"""Renders chat templates exactly as transformers' apply_chat_template does, for SharpTune's tests.

stdin: one JSON object {"template": ..., "messages": [...], "add_generation_prompt": bool, "bos_token": ..., ...}
       (every key but "template" and "now" is passed to the template as a variable; tools and documents default
       to None as in transformers), or a JSON list of such objects.
stdout: for one object, the rendered text exactly; for a list, a JSON list of {"ok": text} or {"error": "Kind: message"}.

The environment is the one transformers builds: jinja2's ImmutableSandboxedEnvironment with trim_blocks,
lstrip_blocks and the loopcontrols extension, a {% generation %} tag that renders its body, its own tojson filter
(json.dumps without HTML escaping), and the globals raise_exception and strftime_now; strftime_now reads a fixed
clock ("now", ISO format, default 2025-01-15T09:30:00) so that outputs are reproducible.
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

DEFAULT_NOW = "2025-01-15T09:30:00"


class GenerationTag(Extension):
    """{% generation %}...{% endgeneration %}: renders the body (transformers uses it to mark assistant tokens)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def make_environment(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(case):
    case = dict(case)
    template = case.pop("template")
    now = datetime.fromisoformat(case.pop("now", DEFAULT_NOW))
    variables = {"tools": None, "documents": None, "add_generation_prompt": False}
    variables.update(case)
    return make_environment(now).from_string(template).render(**variables)


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    if isinstance(request, list):
        results = []
        for case in request:
            try:
                results.append({"ok": render(case)})
            except Exception as e:  # the tests compare which cases fail, and read the message
                results.append({"error": f"{type(e).__name__}: {e}"})
        sys.stdout.buffer.write(json.dumps(results, ensure_ascii=False).encode("utf-8"))
    else:
        sys.stdout.buffer.write(render(request).encode("utf-8"))


if __name__ == "__main__":
    main()
