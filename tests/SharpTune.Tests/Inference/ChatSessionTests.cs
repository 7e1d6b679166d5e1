using SharpTune.Inference;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;

namespace SharpTune.Tests.Inference;

public sealed class ChatSessionTests
{
    /// <summary>A template whose turns end with "&lt;END&gt;" (distinct bytes, so a scripted model can write it).</summary>
    private const string EndTemplate = """
        {%- for m in messages -%}{{ m['role'] + ':' + m['content'] + '<END>\n' }}{%- endfor -%}
        {%- if add_generation_prompt -%}{{ 'assistant:' }}{%- endif -%}
        """;

    private static ChatTemplate End => ChatTemplate.FromSource(EndTemplate, "test");

    [Fact]
    public void The_end_of_turn_marker_is_what_the_template_writes_after_a_reply()
    {
        Assert.Equal("<|im_end|>", ChatSession.FindEndOfTurn(ChatTemplate.Builtin("chatml")));
        Assert.Equal("<|eot_id|>", ChatSession.FindEndOfTurn(ChatTemplate.Builtin("llama3")));
        Assert.Equal("<END>", ChatSession.FindEndOfTurn(End));
        Assert.Null(ChatSession.FindEndOfTurn(ChatTemplate.FromSource("{% for m in messages %}{{ m['content'] }}{% endfor %}", "bare")));
        foreach (var (name, marker) in new[] { ("qwen3", "<|im_end|>"), ("llama3", "<|eot_id|>"), ("gemma3", "<end_of_turn>"), ("deepseek_v3", "<｜end▁of▁sentence｜>") })
        {
            var folder = Peers.TokenizerFolder(name);
            var template = ChatTemplate.Resolve(null, TokenizerConfig.Load(folder));
            Assert.Equal(marker, ChatSession.FindEndOfTurn(template));
        }
    }

    [Fact]
    public void A_one_token_marker_is_a_stop_id_beside_the_eos_ids()
    {
        var qwen = HfTokenizer.Load(Peers.TokenizerFolder("qwen3"));
        var config = SharpTune.Tests.Models.TinyModels.Config("qwen2", j => j["eos_token_id"] = 151643);
        var stops = ChatSession.FindStopIds(config, qwen, "<|im_end|>");
        Assert.Contains(qwen.TokenToId("<|im_end|>")!.Value, stops);
        Assert.Contains(151643L, stops);
        // The byte tokenizer spells the marker in bytes: only eos ids stop, the text is cut instead.
        Assert.Equal(new HashSet<long> { ByteTokenizer.Eos }, ChatSession.FindStopIds(config with { EosTokenIds = [] }, new ByteTokenizer(), "<|im_end|>"));
    }

    [Fact]
    public void A_reply_ends_at_the_marker_which_stays_out_of_the_text_and_the_history()
    {
        // After "assistant:" the model writes "ok<END>!!!…".
        using var model = ScriptedModel.Create(ScriptedModel.Writing(':', "ok<END>!"));
        var session = new ChatSession(model, new ByteTokenizer(), End, new GenerationOptions { MaxNewTokens = 30 }, systemPrompt: "be brief");
        var pieces = new List<string>();
        Assert.Equal("ok", session.Reply("hello", pieces.Add));
        Assert.Equal("ok", string.Concat(pieces));
        Assert.Equal(
            [new ChatMessage("system", "be brief"), new ChatMessage("user", "hello"), new ChatMessage("assistant", "ok")],
            session.History);
        Assert.Equal("ok", session.Reply("again"));
        Assert.Equal(5, session.History.Count);
        session.Reset();
        Assert.Equal([new ChatMessage("system", "be brief")], session.History);
    }

    [Fact]
    public void A_reply_ends_at_eos_or_after_max_new_tokens()
    {
        var toEos = ScriptedModel.Writing(':', "yes");
        toEos['s'] = ByteTokenizer.Eos;
        using (var model = ScriptedModel.Create(toEos))
            Assert.Equal("yes", new ChatSession(model, new ByteTokenizer(), End, new GenerationOptions { MaxNewTokens = 30 }).Reply("hi"));
        var endless = ScriptedModel.Writing(':', "ab");
        endless['b'] = 'a';
        using (var model = ScriptedModel.Create(endless))
            Assert.Equal("abababa", new ChatSession(model, new ByteTokenizer(), End, new GenerationOptions { MaxNewTokens = 7 }).Reply("hi"));
    }

    [Fact]
    public void The_prompt_is_the_rendered_history_with_the_assistant_opening()
    {
        using var model = ScriptedModel.Create(ScriptedModel.Writing(':', "ok<END>!"));
        var session = new ChatSession(model, new ByteTokenizer(), End, new GenerationOptions { MaxNewTokens = 30 });
        session.Reply("hello");
        var ids = session.PromptIds([.. session.History, new ChatMessage("user", "next")]);
        Assert.Equal("user:hello<END>\nassistant:ok<END>\nuser:next<END>\nassistant:", new ByteTokenizer().Decode(ids));
    }
}
