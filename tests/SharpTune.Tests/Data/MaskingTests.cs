using SharpTune.Data;
using SharpTune.Tokenization;
using static SharpTune.Tests.Data.DataTestSetup;

namespace SharpTune.Tests.Data;

public sealed class MaskingTests
{
    private const string MultiTurn = """
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is the light on?"}, {"role": "assistant", "content": "Yes, since sunset."}, {"role": "user", "content": "And in fog?"}, {"role": "assistant", "content": "Then the bell rings too."}]}
        """;

    private static PreparedDataset PrepareOne(TempFolder dir, string line, string type, string extra = "", IChatTemplate? template = null)
    {
        File.WriteAllText(dir.File("d.jsonl"), line + "\n");
        return Prepare(dir, $"datasets:\n  - {{path: d.jsonl, type: {type}}}\nsequence_len: 512\n{extra}", template);
    }

    [Fact]
    public void Only_assistant_replies_and_their_end_marker_are_trained()
    {
        using var dir = new TempFolder();
        var sample = PrepareOne(dir, MultiTurn, "messages").Train.Single();
        Assert.Equal(["Yes, since sunset." + TestChatTemplate.EndOfTurn, "Then the bell rings too." + TestChatTemplate.EndOfTurn], TrainedRuns(sample));
        var messages = new List<ChatMessage>
        {
            new("system", "Be brief."), new("user", "Is the light on?"), new("assistant", "Yes, since sunset."),
            new("user", "And in fog?"), new("assistant", "Then the bell rings too."),
        };
        Assert.Equal(new TestChatTemplate().Render(messages), Decode(sample));
    }

    [Fact]
    public void Train_on_inputs_trains_every_token()
    {
        using var dir = new TempFolder();
        var sample = PrepareOne(dir, MultiTurn, "messages", "train_on_inputs: true").Train.Single();
        Assert.Equal([Decode(sample)], TrainedRuns(sample));
    }

    [Fact]
    public void Alpaca_records_are_masked_like_conversations()
    {
        using var dir = new TempFolder();
        var sample = PrepareOne(dir, "{\"instruction\": \"Count to three.\", \"output\": \"One, two, three.\"}", "alpaca").Train.Single();
        Assert.Equal(["One, two, three." + TestChatTemplate.EndOfTurn], TrainedRuns(sample));
        Assert.StartsWith("<|im_start|>user\nCount to three.<|im_end|>\n<|im_start|>assistant\n", Decode(sample));
    }

    [Fact]
    public void A_template_that_renders_prefixes_differently_falls_back_to_the_reply_text()
    {
        using var dir = new TempFolder();
        var dataset = PrepareOne(dir, MultiTurn, "messages", template: new LastTurnTemplate());
        Assert.Equal(["Yes, since sunset.", "Then the bell rings too."], TrainedRuns(dataset.Train.Single()));
        Assert.Equal(1, dataset.Report.MaskingFallbacks);
    }

    [Fact]
    public void Completions_train_the_completion_and_eos_but_not_the_prompt()
    {
        using var dir = new TempFolder();
        var sample = PrepareOne(dir, "{\"prompt\": \"The sea was\", \"completion\": \" calm.\"}", "completion").Train.Single();
        Assert.Equal(ByteTokenizer.Bos, sample.InputIds[0]);
        Assert.Equal(ByteTokenizer.Eos, sample.InputIds[^1]);
        Assert.Equal([" calm.</s>"], TrainedRuns(sample));
        Assert.Equal("<s>The sea was calm.</s>", Decode(sample));
    }

    [Fact]
    public void Preference_pairs_train_only_the_final_reply()
    {
        using var dir = new TempFolder();
        var dataset = PrepareOne(dir, "{\"prompt\": \"Q?\", \"chosen\": \"Good answer.\", \"rejected\": \"Bad.\"}", "preference");
        var pair = dataset.TrainPairs.Single();
        Assert.Equal(["Good answer." + TestChatTemplate.EndOfTurn], TrainedRuns(pair.Chosen));
        Assert.Equal(["Bad." + TestChatTemplate.EndOfTurn], TrainedRuns(pair.Rejected));
        string prompt = "<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n";
        Assert.StartsWith(prompt, Decode(pair.Chosen));
        Assert.StartsWith(prompt, Decode(pair.Rejected));
        Assert.Empty(dataset.Train);

        var (chosen, rejected) = dataset.Collator.CollatePairs(dataset.TrainPairs);
        Assert.Equal(chosen.Length, rejected.Length);
        Assert.Equal(Math.Max(pair.Chosen.Length, pair.Rejected.Length), chosen.Length);
    }

    [Fact]
    public void A_conversation_without_an_assistant_turn_is_dropped_and_counted()
    {
        using var dir = new TempFolder();
        var dataset = PrepareOne(dir, "{\"messages\": [{\"role\": \"user\", \"content\": \"Anyone there?\"}]}", "messages");
        Assert.Empty(dataset.Train);
        Assert.Equal(1, dataset.Report.Dropped[DropRule.NoTrainedTokens]);
    }
}
