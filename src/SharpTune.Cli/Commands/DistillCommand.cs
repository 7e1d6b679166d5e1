using System.CommandLine;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Inference;
using SharpTune.Tokenization;
using SharpTune.Tokenization.Templates;
using SharpTune.Training.Distillation;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune distill generate</c>: a teacher answers prompts and the answers become an SFT dataset.</summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "the teacher: a model folder, or a peft adapter folder (its base from adapter_config.json)", Required = true };
        var adapter = CommonOptions.Adapter();
        var prompts = new Option<string>("--prompts") { Description = "prompts: .txt (one per line) or .jsonl (prompt, instruction[+input] or text)", Required = true };
        var output = new Option<string>("--out") { Description = "the dataset to write ({\"messages\": [...]} JSONL; train with type: messages)", Required = true };
        var samples = new Option<int>("--num-samples") { Description = "answers per prompt (sample k uses --seed + k)", DefaultValueFactory = _ => 1 };
        var chatTemplate = new Option<string>("--chat-template")
        {
            Description = "the teacher's own template (tokenizer_default) or chatml, llama3, alpaca, vicuna",
            DefaultValueFactory = _ => ChatTemplate.TokenizerDefault,
        };
        var system = new Option<string?>("--system") { Description = "a system message that opens each conversation (kept in the dataset)" };
        var sampling = new SamplingOptions(maxNewTokens: 256);
        var device = CommonOptions.Device();
        var dtype = CommonOptions.Dtype();

        var generate = new Command("generate", "The teacher answers each prompt through its chat template; the conversations are written as a messages dataset for SFT.")
        {
            teacher, adapter, prompts, output, samples, chatTemplate, system, device, dtype,
        };
        sampling.AddTo(generate);
        generate.SetAction(result => CommandRunner.Run(() =>
        {
            int perPrompt = result.GetValue(samples);
            if (perPrompt < 1) throw new SharpTuneException($"--num-samples: must be at least 1, got {perPrompt}");
            var texts = TeacherDataset.ReadPrompts(result.GetValue(prompts)!);
            var (dev, type) = CommonOptions.Resolve(result.GetValue(device)!, result.GetValue(dtype)!);
            var location = ModelLocation.Resolve(result.GetValue(teacher)!, result.GetValue(adapter));
            var template = ChatTemplateChoice.Resolve(result.GetValue(chatTemplate)!, TokenizerConfig.Load(location.TokenizerFolder)).Template;
            using var lm = location.Load(dev, type);
            var tokenizer = TokenizerLoader.ForModel(location.TokenizerFolder, lm.Config.VocabSize);
            string outPath = result.GetValue(output)!;
            int rows = TeacherDataset.Write(options => new ChatSession(lm, tokenizer, template, options, result.GetValue(system)),
                sampling.Read(result, []), texts, perPrompt, outPath,
                (done, total) => Console.Error.Write($"\ranswered {done}/{total}"));
            Console.Error.WriteLine();
            Console.WriteLine($"wrote {rows} conversations to {outPath} (train on them with datasets: [{{path: {outPath}, type: messages}}])");
        }));
        return new Command("distill", "Knowledge distillation helpers (the distill training stage is `train` with stage: distill).") { generate };
    }
}
