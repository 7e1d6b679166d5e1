"""The Python peer of `sharptune bench`: transformers + peft LoRA training steps on random weights and tokens.

Same model shape (the config our bench printed), batch, sequence length, LoRA (r, alpha = 2r, all linear layers, fp32
adapters on a bf16 base, as peft's defaults keep them), AdamW, clipping at 1.0, SDPA attention, optional gradient
checkpointing (non-reentrant), and the same FLOP count and matmul-peak measurement, so the MFU figures compare.
Peak memory: the device's used memory (torch.cuda.mem_get_info, the figure NVML gives our side) and, for reference,
torch.cuda.max_memory_allocated.
"""
import argparse
import json
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoConfig, AutoModelForCausalLM


def matmul_peak(dtype, n=8192, seconds=2.0):
    a = torch.randn(n, n, dtype=dtype, device="cuda")
    b = torch.randn(n, n, dtype=dtype, device="cuda")
    for _ in range(2):
        a @ b
    torch.cuda.synchronize()
    best, start = 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds or best == 0:
        t = time.perf_counter()
        for _ in range(10):
            a @ b
        torch.cuda.synchronize()
        best = max(best, 10 * 2.0 * n ** 3 / (time.perf_counter() - t))
    del a, b
    torch.cuda.empty_cache()
    return best


def base_matmul_weights(c):
    h, q, kv = c["hidden_size"], c["num_attention_heads"] * c["head_dim"], c["num_key_value_heads"] * c["head_dim"]
    return c["num_hidden_layers"] * (h * q + 2 * h * kv + q * h + 3 * h * c["intermediate_size"]) + h * c["vocab_size"]


def device_used():
    free, total = torch.cuda.mem_get_info()
    return total - free


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True, help="model config.json (from `sharptune bench --json`)")
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--lora-rank", type=int, default=16)
    parser.add_argument("--gradient-checkpointing", action="store_true")
    args = parser.parse_args()

    with open(args.config) as f:
        config_json = json.load(f)
    peak = matmul_peak(torch.bfloat16)
    config = AutoConfig.for_model(**config_json)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.bfloat16, attn_implementation="sdpa").cuda()
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    model = get_peft_model(model, LoraConfig(r=args.lora_rank, lora_alpha=2 * args.lora_rank, lora_dropout=0.0,
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    adapter_weights = sum(p.numel() for p in trainable)
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, weight_decay=0.0, fused=True)

    c = config_json
    attention = 12.0 * c["num_hidden_layers"] * args.seq_len * c["num_attention_heads"] * c["head_dim"]
    flops_per_token = 4.0 * base_matmul_weights(c) + 6.0 * adapter_weights + attention

    torch.cuda.reset_peak_memory_stats()
    peak_used = 0
    phases = {"data": 0.0, "forward": 0.0, "backward": 0.0, "optimizer": 0.0}
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        ids = torch.randint(0, c["vocab_size"], (args.batch, args.seq_len)).cuda()
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        peak_used = max(peak_used, device_used())
        loss.backward()
        torch.cuda.synchronize()
        t3 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        t4 = time.perf_counter()
        peak_used = max(peak_used, device_used())
        if step >= args.warmup:
            for key, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                phases[key] += value
    total = sum(phases.values())
    tokens_per_second = args.steps * args.batch * args.seq_len / total
    print(json.dumps({
        "tokens_per_second": round(tokens_per_second, 1),
        "mfu": round(flops_per_token * tokens_per_second / peak, 4),
        "matmul_peak_flops": round(peak),
        "peak_memory_bytes": peak_used,
        "max_memory_allocated_bytes": torch.cuda.max_memory_allocated(),
        "trainable_parameters": adapter_weights,
        "flops_per_token": flops_per_token,
        "time_split": {k: round(v / total, 4) for k, v in phases.items()},
    }))


if __name__ == "__main__":
    main()
