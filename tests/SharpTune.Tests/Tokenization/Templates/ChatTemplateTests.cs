using System.Text.Json.Nodes;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Tests.Tokenization.Templates;

/// <summary>The built-in templates (their exact formats, and jinja2 agreeing), and how a config's chat_template is resolved.</summary>
public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new("system", "Be brief."),
        new("user", "2+2?"),
        new("assistant", "4"),
        new("user", "And 3+3?"),
    ];

    private static TokenizerConfig Llama2Tokens => TokenizerConfig.Load(Peers.TokenizerFolder("llama2"));

    [Fact]
    public void Builtins_render_their_formats()
    {
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.Builtin("chatml").Render(Conversation, addGenerationPrompt: true));
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>",
            ChatTemplate.Builtin("llama3", TokenizerConfig.Load(Peers.TokenizerFolder("llama3"))).Render(Conversation));
        Assert.Equal(
            "Be brief.\n\n### Instruction:\n2+2?\n\n### Response:\n4</s>\n\n### Instruction:\nAnd 3+3?\n\n### Response:\n",
            ChatTemplate.Builtin("alpaca", Llama2Tokens).Render(Conversation, addGenerationPrompt: true));
        Assert.Equal(
            "Be brief. USER: 2+2? ASSISTANT: 4</s>USER: And 3+3? ASSISTANT:",
            ChatTemplate.Builtin("vicuna", Llama2Tokens).Render(Conversation, addGenerationPrompt: true));
        Assert.StartsWith("Below is an instruction", ChatTemplate.Builtin("alpaca").Render([new ChatMessage("user", "x")]));
        Assert.StartsWith("A chat between a curious user", ChatTemplate.Builtin("vicuna").Render([new ChatMessage("user", "x")]));
    }

    [Fact]
    public void Builtins_match_jinja2()
    {
        var config = Llama2Tokens;
        var tokens = JsonNode.Parse("""{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}""")!.AsObject();
        var cases = new List<PythonTemplates.Case>();
        foreach (var name in ChatTemplate.BuiltinNames)
            foreach (var (label, json) in Conversations.Basic)
                foreach (bool generation in new[] { false, true })
                {
                    var variables = new JsonObject { ["messages"] = Conversations.Parse(json), ["add_generation_prompt"] = generation };
                    cases.Add(new PythonTemplates.Case($"{name} {label} gen={generation}", ChatTemplate.Builtin(name).Source, variables, config, tokens));
                }
        PythonTemplates.AssertSameAsPython(cases, []);
    }

    [Fact]
    public void Resolve_picks_the_tokenizers_own_a_named_one_or_a_builtin()
    {
        var qwen = TokenizerConfig.Load(Peers.TokenizerFolder("qwen3"));
        Assert.Equal(qwen.ChatTemplate, ChatTemplate.Resolve(null, qwen).Source);
        Assert.Equal(qwen.ChatTemplate, ChatTemplate.Resolve("tokenizer_default", qwen).Source);
        Assert.Equal(ChatTemplate.Builtin("chatml").Source, ChatTemplate.Resolve("chatml", qwen).Source);

        var named = TokenizerConfig.FromJson(JsonNode.Parse("""
            {"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T{{ bos_token }}"}], "bos_token": "<b>"}
            """)!.AsObject(), "test");
        Assert.Equal("T<b>", ChatTemplate.Resolve("tool_use", named).Render([]));
        Assert.Equal("D", ChatTemplate.Resolve(null, named).Render([]));

        var none = Llama2Tokens;
        var e = Assert.Throws<SharpTuneException>(() => ChatTemplate.Resolve(null, none, "models/llama2"));
        Assert.Contains("models/llama2 has no chat_template", e.Message);
        Assert.Contains("chat_template:", e.Message);
        Assert.Contains("chatml", e.Message);
        var unknown = Assert.Throws<SharpTuneException>(() => ChatTemplate.Resolve("chatmlx", qwen));
        Assert.Contains("unknown chat_template 'chatmlx'", unknown.Message);
        Assert.Throws<SharpTuneException>(() => ChatTemplate.Builtin("nope"));
    }

    [Fact]
    public void Special_tokens_come_from_the_tokenizer_config()
    {
        var gemma = TokenizerConfig.Load(Peers.TokenizerFolder("gemma3"));
        var template = ChatTemplate.FromSource("{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token }}|{{ image_token }}|{{ boi_token }}|{{ add_bos_token is defined }}", "t", gemma);
        Assert.Equal("<bos>|<end_of_turn>|<pad>|<unk>|<image_soft_token>|<start_of_image>|False", template.Render([]));
        var qwen = TokenizerConfig.Load(Peers.TokenizerFolder("qwen3"));
        var q = ChatTemplate.FromSource("{{ bos_token is defined }}|{{ eos_token }}|{{ additional_special_tokens[0] }}", "t", qwen);
        Assert.Equal("False|<|im_end|>|<|im_start|>", q.Render([]));
        var deepseek = TokenizerConfig.Load(Peers.TokenizerFolder("deepseek_v3"));
        Assert.Equal("<｜begin▁of▁sentence｜>", ChatTemplate.FromSource("{{ bos_token }}", "t", deepseek).Render([]));
    }

    [Fact]
    public void Rich_messages_and_extra_variables_reach_the_template()
    {
        var template = ChatTemplate.FromSource(
            "{% for m in messages %}{{ m.role }}:{{ m.content if m.content is string else m.content|map(attribute='text')|join }}{% if m.tool_calls %}[{{ m.tool_calls[0].function.arguments|tojson }}]{% endif %};{% endfor %}{{ tools|length }}{{ enable_thinking }}",
            "rich");
        var messages = JsonNode.Parse("""
            [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
             {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1.5, "y": [true, null]}}}]}]
            """)!.AsArray();
        var text = template.RenderJson(messages, false, JsonNode.Parse("""{"tools": [{"name": "f"}], "enable_thinking": false}""")!.AsObject());
        Assert.Equal("user:ab;assistant:[{\"x\": 1.5, \"y\": [true, null]}];1False", text);
    }

    [Fact]
    public void Strftime_now_reads_the_injected_clock()
    {
        var template = ChatTemplate.FromSource("{{ strftime_now('%d %b %Y %H:%M') }}", "date").WithClock(() => new DateTime(2024, 7, 26, 8, 5, 0));
        Assert.Equal("26 Jul 2024 08:05", template.Render([]));
    }
}
