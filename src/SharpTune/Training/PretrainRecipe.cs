using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Backend;
using SharpTune.Inference;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Causal-LM pretraining, top to bottom: read text, tokenize, hold out a validation tail, train on random
/// windows with AdamW, evaluate, save an HF model folder and summary.json.
/// </summary>
public sealed class PretrainRecipe(PretrainConfig config, Action<string> log)
{
    /// <summary>Runs the recipe; returns the summary also written to <c>output_dir/summary.json</c>.</summary>
    public JsonObject Run()
    {
        var device = ComputeDevice.Resolve(config.Device, "device");
        var dtype = ScalarType.Float32;
        manual_seed(config.Seed);
        using var model = LoadBaseModel(device, dtype);
        var tokenizer = TokenizerLoader.ForModel(config.BaseModel, model.Config.VocabSize);

        var tokens = ReadTokens(tokenizer);
        long valCount = Math.Max(config.SequenceLen + 1, (long)(tokens.Length * config.ValSetSize));
        if (tokens.Length - valCount < config.SequenceLen + 1)
            throw new SharpTuneException($"datasets: {tokens.Length} tokens are too few for sequence_len {config.SequenceLen} with a validation split");
        using var train = tensor(tokens[..^(int)valCount], dtype: ScalarType.Int64);
        using var val = tensor(tokens[^(int)valCount..], dtype: ScalarType.Int64);
        log($"{model.ParameterCount():N0} parameters on {device.type}; {train.shape[0]:N0} training and {val.shape[0]:N0} validation tokens");

        var optimizer = optim.AdamW(model.parameters(), config.LearningRate, weight_decay: config.WeightDecay);
        var random = new Generator((ulong)config.Seed);
        double initialEval = Evaluate(model, val, device);
        log($"step 0: eval loss {initialEval:F4}");
        double lastLoss = double.NaN, lastEval = initialEval;
        var clock = Stopwatch.StartNew();
        long trainedTokens = 0;
        for (int step = 1; step <= config.MaxSteps; step++)
        {
            model.train();
            using (NewDisposeScope())
            {
                var (inputs, targets) = RandomWindows(train, random);
                optimizer.zero_grad();
                var loss = CausalLmLoss(model.Forward(inputs.to(device)), targets.to(device));
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), config.MaxGradNorm);
                optimizer.step();
                lastLoss = loss.item<float>();
                trainedTokens += inputs.numel();
            }
            if (step % config.EvalSteps == 0 || step == config.MaxSteps)
            {
                lastEval = Evaluate(model, val, device);
                log($"step {step}: train loss {lastLoss:F4}, eval loss {lastEval:F4}, {trainedTokens / clock.Elapsed.TotalSeconds:F0} tokens/s");
            }
        }
        double tokensPerSecond = trainedTokens / clock.Elapsed.TotalSeconds;

        HfModelFolder.Save(model, config.OutputDir);
        var summary = new JsonObject
        {
            ["initial_eval_loss"] = initialEval,
            ["final_eval_loss"] = lastEval,
            ["final_train_loss"] = lastLoss,
            ["steps"] = config.MaxSteps,
            ["tokens_per_second"] = tokensPerSecond,
        };
        if (config.SamplePrompt is { } prompt)
        {
            var ids = new TextGenerator(model).Generate(tokenizer.Encode(prompt),
                new GenerationOptions { MaxNewTokens = 80, StopIds = model.Config.EosTokenIds.ToHashSet() });
            string sample = prompt + tokenizer.Decode(ids);
            summary["sample"] = sample;
            log($"sample: {sample}");
        }
        AtomicFile.WriteJson(Path.Combine(config.OutputDir, "summary.json"), summary);
        log($"saved {config.OutputDir} (eval loss {initialEval:F3} -> {lastEval:F3})");
        return summary;
    }

    private LlamaForCausalLM LoadBaseModel(Device device, ScalarType dtype)
    {
        const string prefix = "preset:";
        if (!config.BaseModel.StartsWith(prefix, StringComparison.Ordinal)) return HfModelFolder.Load(config.BaseModel, device, dtype);
        var modelConfig = ModelConfig.FromJson(ModelPresets.Config(config.BaseModel[prefix.Length..], null), "base_model");
        var model = new LlamaForCausalLM(modelConfig, device, dtype);
        model.InitializeWeights(config.Seed);
        return model;
    }

    private long[] ReadTokens(ITokenizer tokenizer)
    {
        var ids = new List<long>();
        foreach (var file in config.TextFiles)
        {
            IEnumerable<string> documents = file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                ? ReadJsonlText(file)
                : [File.ReadAllText(file)];
            foreach (var doc in documents)
            {
                ids.AddRange(tokenizer.Encode(doc));
                if (tokenizer.EosId is { } eos) ids.Add(eos);
            }
        }
        return [.. ids];
    }

    private static IEnumerable<string> ReadJsonlText(string file)
    {
        int lineNo = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException e) { throw new SharpTuneException($"{file}:{lineNo}: invalid JSON: {e.Message}"); }
            if (node?["text"] is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
                throw new SharpTuneException($"{file}:{lineNo}: field 'text' must be a string");
            yield return text.GetValue<string>();
        }
    }

    private (Tensor Inputs, Tensor Targets) RandomWindows(Tensor tokens, Generator random)
    {
        long span = config.SequenceLen + 1;
        var starts = randint(0, tokens.shape[0] - span + 1, [config.MicroBatchSize], generator: random);
        var windows = stack(starts.data<long>().ToArray().Select(s => tokens.narrow(0, s, span)).ToArray());
        return (windows.narrow(1, 0, config.SequenceLen), windows.narrow(1, 1, config.SequenceLen));
    }

    /// <summary>Mean cross-entropy of next-token predictions over labels that are not -100.</summary>
    public static Tensor CausalLmLoss(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32), targets.reshape(-1), ignore_index: -100);

    /// <summary>Mean loss over consecutive non-overlapping windows of the validation tokens.</summary>
    private double Evaluate(LlamaForCausalLM model, Tensor tokens, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long span = config.SequenceLen + 1, windows = (tokens.shape[0] - 1) / config.SequenceLen;
        double total = 0;
        long count = 0;
        for (long w = 0; w < windows; w++)
        {
            long start = w * config.SequenceLen, length = Math.Min(span, tokens.shape[0] - start);
            if (length < 2) break;
            var window = tokens.narrow(0, start, length).unsqueeze(0).to(device);
            var loss = CausalLmLoss(model.Forward(window.narrow(1, 0, length - 1)), window.narrow(1, 1, length - 1));
            total += loss.item<float>() * (length - 1);
            count += length - 1;
        }
        return total / count;
    }
}
