using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters.PromptLearning;

/// <summary>
/// P-tuning (Liu et al., 2021; peft's PromptEncoder): a [num_virtual_tokens, token_dim] table passed through an
/// encoder whose output is prepended to the input. MLP: Linear(token_dim, h) → ReLU → Linear(h, h) → ReLU →
/// Linear(h, token_dim) (peft ignores encoder_num_layers here); LSTM: a bidirectional LSTM(token_dim, h,
/// encoder_num_layers, encoder_dropout) then Linear(2h, 2h) → ReLU → Linear(2h, token_dim); h = encoder_hidden_size.
/// </summary>
public sealed class PromptEncoder : PromptLearningEncoder
{
    private readonly LSTM? lstmHead;
    private readonly Sequential? mlpHead;

    /// <summary>Creates the encoder for <paramref name="config"/> (resolved); <paramref name="withEncoder"/> false builds the inference form (a table of outputs).</summary>
    public PromptEncoder(PromptLearningConfig config, bool withEncoder) : base(nameof(PromptEncoder), config, config.TokenDim)
    {
        if (!withEncoder) return;
        long d = config.TokenDim, h = config.EncoderWidth;
        if (config.EncoderReparameterizationType == "LSTM")
        {
            lstmHead = nn.LSTM(d, h, config.EncoderNumLayers, bidirectional: true, batchFirst: true, dropout: config.EncoderDropout);
            register_module("lstm_head", lstmHead);
            mlpHead = nn.Sequential(("0", nn.Linear(2 * h, 2 * h)), ("1", nn.ReLU()), ("2", nn.Linear(2 * h, d)));
        }
        else
        {
            mlpHead = nn.Sequential(("0", nn.Linear(d, h)), ("1", nn.ReLU()), ("2", nn.Linear(h, h)), ("3", nn.ReLU()), ("4", nn.Linear(h, d)));
        }
        register_module("mlp_head", mlpHead);
    }

    /// <inheritdoc/>
    public override bool HasEncoder => mlpHead is not null;

    /// <inheritdoc/>
    protected override Tensor Encode(Tensor table)
    {
        if (lstmHead is null) return mlpHead!.forward(table);
        var (output, _, _) = lstmHead.forward(table.unsqueeze(0));
        return mlpHead!.forward(output.squeeze(0));
    }

    /// <inheritdoc/>
    public override Tensor? InputEmbeddings(long batch) => PromptEmbeddings().unsqueeze(0).expand(batch, -1, -1);
}
