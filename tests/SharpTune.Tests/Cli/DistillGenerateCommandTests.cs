using System.Text.Json.Nodes;
using SharpTune.Models;
using SharpTune.Training;

namespace SharpTune.Tests.Cli;

public sealed class DistillGenerateCommandTests
{
    [Fact]
    public void The_teacher_answers_each_prompt_and_the_dataset_trains_by_sft()
    {
        using var dir = new TempFolder();
        using (var model = new LlamaForCausalLM(ModelConfig.FromJson(ModelPresets.Config("tiny", null), "tiny")))
        {
            model.InitializeWeights(3);
            HfModelFolder.Save(model, dir.File("teacher"));
        }
        File.WriteAllLines(dir.File("prompts.jsonl"), ["{\"prompt\": \"Which is larger, 3 or 5?\"}", "{\"instruction\": \"Add\", \"input\": \"2 and 2\"}"]);
        var (code, stdout, stderr) = CliProcess.Run("distill", "generate", "--teacher", dir.File("teacher"), "--prompts", dir.File("prompts.jsonl"),
            "--out", dir.File("data.jsonl"), "--num-samples", "2", "--temperature", "1.0", "--seed", "4", "--max-new-tokens", "8",
            "--chat-template", "chatml", "--device", "cpu", "--dtype", "float32");
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote 4 conversations", stdout);
        var rows = File.ReadAllLines(dir.File("data.jsonl")).Select(l => JsonNode.Parse(l)!["messages"]!.AsArray()).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal(["user", "assistant"], r.Select(m => (string)m!["role"]!)));
        Assert.Equal("Add\n\n2 and 2", (string)rows[2][0]!["content"]!);
        Assert.NotEqual((string)rows[0][1]!["content"]!, (string)rows[1][1]!["content"]!); // two samples, two seeds

        // The SFT stage reads the file as it is.
        File.WriteAllText(dir.File("sft.yaml"), """
            base_model: teacher
            chat_template: chatml
            datasets:
              - path: data.jsonl
                type: messages
            sequence_len: 256
            max_steps: 2
            output_dir: out
            """);
        var summary = TrainingRuns.Train(dir.File("sft.yaml"), [], false, _ => { });
        Assert.Equal(4, (int)summary["train_rows"]!);
    }

    [Fact]
    public void A_prompt_line_without_a_prompt_is_an_error_naming_the_line()
    {
        using var dir = new TempFolder();
        File.WriteAllLines(dir.File("prompts.jsonl"), ["{\"prompt\": \"hi\"}", "{\"question\": \"no\"}"]);
        var e = Assert.Throws<SharpTuneException>(() => SharpTune.Training.Distillation.TeacherDataset.ReadPrompts(dir.File("prompts.jsonl")));
        Assert.Contains("prompts.jsonl:2", e.Message);
    }
}
