using SharpTune.Data;
using SharpTune.Tokenization;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class FormatTests
{
    private static IReadOnlyList<DataRecord> Read(TempFolder dir, string jsonl, string dataset)
    {
        File.WriteAllText(dir.File("d.jsonl"), jsonl);
        return Records(dir, dataset).Records;
    }

    [Fact]
    public void Alpaca_becomes_system_user_assistant_with_the_input_after_the_instruction()
    {
        using var dir = new TempFolder();
        var records = Read(dir, """
            {"instruction": "Name the colour.", "input": "The sky at noon", "output": "Blue."}
            {"instruction": "Say hi.", "input": "", "output": "Hi!", "system": "Be brief."}
            {"instruction": "Add.", "output": 4}
            """, "  - {path: d.jsonl, type: alpaca}");
        var chats = records.Cast<Conversation>().ToList();
        Assert.Equal([new("user", "Name the colour.\n\nThe sky at noon"), new("assistant", "Blue.")], chats[0].Messages);
        Assert.Equal([new("system", "Be brief."), new("user", "Say hi."), new("assistant", "Hi!")], chats[1].Messages);
        Assert.Equal("4", chats[2].Messages[1].Content);
    }

    [Fact]
    public void Sharegpt_maps_human_and_gpt_and_custom_roles()
    {
        using var dir = new TempFolder();
        var records = Read(dir, """
            {"conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]}
            {"conversations": [{"from": "captain", "value": "Q2"}, {"from": "crew", "value": "A2"}]}
            """, "  - path: d.jsonl\n    type: sharegpt\n    roles: {user: [captain], assistant: [crew]}");
        var chats = records.Cast<Conversation>().ToList();
        Assert.Equal([new("system", "S"), new("user", "Q"), new("assistant", "A")], chats[0].Messages);
        Assert.Equal([new("user", "Q2"), new("assistant", "A2")], chats[1].Messages);
    }

    [Fact]
    public void Messages_accept_openai_content_parts_and_custom_field_names()
    {
        using var dir = new TempFolder();
        var records = Read(dir, """
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}, {"role": "assistant", "content": "Hi"}]}
            """, "  - {path: d.jsonl, type: chat_template}");
        Assert.Equal([new("user", "Hello"), new("assistant", "Hi")], ((Conversation)records[0]).Messages);

        var custom = Read(dir, """
            {"dialog": [{"speaker": "user", "text": "Q"}, {"speaker": "assistant", "text": "A"}]}
            """, "  - {path: d.jsonl, type: messages, field_messages: dialog, message_field_role: speaker, message_field_content: text}");
        Assert.Equal([new("user", "Q"), new("assistant", "A")], ((Conversation)custom[0]).Messages);
    }

    [Fact]
    public void Completion_reads_prompt_and_completion_or_a_text_field()
    {
        using var dir = new TempFolder();
        var records = Read(dir, """
            {"prompt": "The capital of France is", "completion": " Paris."}
            {"text": "A whole document."}
            """, "  - {path: d.jsonl, type: completion}");
        var first = (CompletionSample)records[0];
        Assert.Equal(("The capital of France is", " Paris."), (first.Prompt, first.Completion));
        var second = (CompletionSample)records[1];
        Assert.Equal(("", "A whole document."), (second.Prompt, second.Completion));
    }

    [Fact]
    public void Text_reads_the_configured_field()
    {
        using var dir = new TempFolder();
        var records = Read(dir, "{\"body\": \"Some text.\"}\n", "  - {path: d.jsonl, type: text, field: body}");
        Assert.Equal("Some text.", ((TextSample)records[0]).Text);
    }

    [Fact]
    public void Preference_accepts_strings_turns_and_whole_conversations()
    {
        using var dir = new TempFolder();
        var records = Read(dir, """
            {"prompt": "Q1", "chosen": "good", "rejected": "bad", "system": "S"}
            {"prompt": [{"role": "user", "content": "Q2"}], "chosen": {"role": "assistant", "content": "good2"}, "rejected": {"role": "assistant", "content": "bad2"}}
            {"chosen": [{"role": "user", "content": "Q3"}, {"role": "assistant", "content": "good3"}], "rejected": [{"role": "user", "content": "Q3"}, {"role": "assistant", "content": "bad3"}]}
            {"prompt": "Q4", "chosen": [{"role": "user", "content": "Q4"}, {"role": "assistant", "content": "good4"}], "rejected": [{"role": "user", "content": "Q4"}, {"role": "assistant", "content": "bad4"}]}
            """, "  - {path: d.jsonl, type: preference}");
        var pairs = records.Cast<PreferenceSample>().ToList();
        Assert.Equal([new("system", "S"), new("user", "Q1")], pairs[0].Prompt);
        Assert.Equal(("good", "bad"), (pairs[0].Chosen, pairs[0].Rejected));
        Assert.Equal([new ChatMessage("user", "Q2")], pairs[1].Prompt);
        Assert.Equal(("good2", "bad2"), (pairs[1].Chosen, pairs[1].Rejected));
        Assert.Equal([new ChatMessage("user", "Q3")], pairs[2].Prompt);
        Assert.Equal(("good3", "bad3"), (pairs[2].Chosen, pairs[2].Rejected));
        Assert.Equal([new ChatMessage("user", "Q4")], pairs[3].Prompt);
    }

    [Theory]
    [InlineData("{\"chosen\": [{\"role\": \"user\", \"content\": \"A\"}, {\"role\": \"assistant\", \"content\": \"x\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"B\"}, {\"role\": \"assistant\", \"content\": \"y\"}]}",
        "field 'rejected': the conversation differs from 'chosen' before the final reply")]
    [InlineData("{\"prompt\": \"Q\", \"chosen\": [{\"role\": \"user\", \"content\": \"x\"}], \"rejected\": \"y\"}",
        "field 'chosen[0]': the reply must be an assistant turn")]
    [InlineData("{\"chosen\": \"x\", \"rejected\": \"y\"}", "field 'prompt': missing")]
    public void Malformed_preference_records_name_the_field(string line, string message)
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SharpTuneException>(() => Read(dir, line + "\n", "  - {path: d.jsonl, type: preference}"));
        Assert.Contains("d.jsonl:1:", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Normalized_records_round_trip_through_the_clean_output_formats()
    {
        using var dir = new TempFolder();
        var conversation = new Conversation { Origin = new RecordOrigin("x"), Messages = [new("user", "Q"), new("assistant", "A")] };
        var preference = new PreferenceSample { Origin = new RecordOrigin("x"), Prompt = [new("user", "Q")], Chosen = "c", Rejected = "r" };
        File.WriteAllText(dir.File("m.jsonl"), conversation.ToJson().ToJsonString() + "\n");
        File.WriteAllText(dir.File("p.jsonl"), preference.ToJson().ToJsonString() + "\n");
        var (records, _) = Records(dir, "  - {path: m.jsonl, type: messages}\n  - {path: p.jsonl, type: preference}");
        Assert.Equal(conversation.Messages, ((Conversation)records[0]).Messages);
        var back = (PreferenceSample)records[1];
        Assert.Equal((preference.Prompt[0], "c", "r"), (back.Prompt[0], back.Chosen, back.Rejected));
    }
}
