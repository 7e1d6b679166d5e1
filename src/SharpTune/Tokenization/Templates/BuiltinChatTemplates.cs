namespace SharpTune.Tokenization.Templates;

/// <summary>
/// The chat formats SharpTune ships as Jinja sources of its own, for models whose tokenizer has no
/// <c>chat_template</c> (or to train a base model into a chat format).
/// </summary>
internal static class BuiltinChatTemplates
{
    /// <summary>ChatML: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message.</summary>
    public const string ChatMl = """
        {%- for message in messages -%}
        {{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
        {{ '<|im_start|>assistant\n' }}
        {%- endif -%}
        """;

    /// <summary>Llama 3: bos, then a header and the trimmed content ended by <c>&lt;|eot_id|&gt;</c> per message.</summary>
    public const string Llama3 = """
        {{- bos_token | default('') -}}
        {%- for message in messages -%}
        {{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
        {{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif -%}
        """;

    /// <summary>Alpaca: a preamble (or the system message), then <c>### Instruction:</c> and <c>### Response:</c> sections.</summary>
    public const string Alpaca = """
        {%- if messages and messages[0]['role'] == 'system' -%}
        {{ messages[0]['content'] + '\n\n' }}
        {%- set loop_messages = messages[1:] -%}
        {%- else -%}
        {{ 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' }}
        {%- set loop_messages = messages -%}
        {%- endif -%}
        {%- for message in loop_messages -%}
        {%- if message['role'] == 'user' -%}
        {{ '### Instruction:\n' + message['content'] + '\n\n' }}
        {%- elif message['role'] == 'assistant' -%}
        {{ '### Response:\n' + message['content'] + (eos_token | default('')) + '\n\n' }}
        {%- else -%}
        {{ raise_exception('the alpaca chat template takes system, user and assistant messages, not ' + message['role']) }}
        {%- endif -%}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
        {{ '### Response:\n' }}
        {%- endif -%}
        """;

    /// <summary>Vicuna v1.1: a system line, then <c>USER: … ASSISTANT: …&lt;/s&gt;</c> turns.</summary>
    public const string Vicuna = """
        {%- if messages and messages[0]['role'] == 'system' -%}
        {%- set system = messages[0]['content'] -%}
        {%- set loop_messages = messages[1:] -%}
        {%- else -%}
        {%- set system = "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions." -%}
        {%- set loop_messages = messages -%}
        {%- endif -%}
        {{ system + ' ' }}
        {%- for message in loop_messages -%}
        {%- if message['role'] == 'user' -%}
        {{ 'USER: ' + message['content'] + ' ' }}
        {%- elif message['role'] == 'assistant' -%}
        {{ 'ASSISTANT: ' + message['content'] + (eos_token | default('')) }}
        {%- else -%}
        {{ raise_exception('the vicuna chat template takes system, user and assistant messages, not ' + message['role']) }}
        {%- endif -%}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
        {{ 'ASSISTANT:' }}
        {%- endif -%}
        """;

    /// <summary>The built-ins by the name a config's <c>chat_template:</c> uses.</summary>
    public static readonly IReadOnlyDictionary<string, string> ByName = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["chatml"] = ChatMl,
        ["llama3"] = Llama3,
        ["alpaca"] = Alpaca,
        ["vicuna"] = Vicuna,
    };
}
