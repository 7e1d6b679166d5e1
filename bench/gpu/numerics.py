"""Numerics of SharpTune against transformers + peft on identical random weights (run by bench/gpu/run.sh).

For each architecture: `sharptune init-model` writes random weights (the real shape of a published model, two layers
and a smaller vocabulary); transformers loads that folder; peft adds a LoRA adapter with random A and B
(init_lora_weights=False) and saves it; then both sides compute, in fp32 on CUDA with TF32 off, the logits of the
same ids and the gradients of the mean next-token loss with respect to every LoRA matrix. Reported: the largest
absolute difference over the largest absolute value (relative error), per quantity. Target: logits within 1e-4.
"""
import argparse
import json
import os
import subprocess
import tempfile

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

CASES = [("llama", "llama-3.2-1b"), ("qwen2", "qwen2.5-0.5b")]


def relative(ours, theirs):
    return ((ours - theirs).abs().max() / theirs.abs().max().clamp_min(1e-30)).item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    work = tempfile.mkdtemp()
    results = {}
    for arch, preset in CASES:
        folder = os.path.join(work, arch)
        subprocess.run([args.cli, "init-model", "--preset", preset, "--set", "num_hidden_layers=2", "--set", "vocab_size=4096",
                        "--seed", "7", "--out", folder], check=True)
        generator = torch.Generator().manual_seed(0)
        ids = torch.randint(0, 4096, (2, 64), generator=generator)
        id_text = ";".join(",".join(str(int(v)) for v in row) for row in ids)

        model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32, attn_implementation="sdpa").cuda()
        torch.manual_seed(1)
        peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", init_lora_weights=False,
                                                      task_type="CAUSAL_LM"))
        adapter = os.path.join(work, arch + "-adapter")
        peft_model.save_pretrained(adapter)

        # Theirs: logits of the base (adapter off) and LoRA gradients (adapter on).
        with peft_model.disable_adapter(), torch.no_grad():
            base_logits = peft_model(input_ids=ids.cuda()).logits.float().cpu()
        loss = peft_model(input_ids=ids.cuda(), labels=ids.cuda()).loss
        loss.backward()
        theirs = {name.replace(".default", ""): p.grad.float().cpu() for name, p in peft_model.named_parameters() if "lora_" in name}

        # Ours: the same through the CLI.
        base_dump = os.path.join(work, arch + "-base.safetensors")
        lora_dump = os.path.join(work, arch + "-lora.safetensors")
        subprocess.run([args.cli, "bench", "numerics", "--model", folder, "--ids", id_text, "--out", base_dump, "--device", "cuda"], check=True)
        subprocess.run([args.cli, "bench", "numerics", "--model", folder, "--adapter", adapter, "--ids", id_text, "--out", lora_dump,
                        "--device", "cuda"], check=True)
        ours_base = load_file(base_dump)
        ours_lora = load_file(lora_dump)
        missing = sorted(set(theirs) - set(ours_lora))
        grads = {name: relative(ours_lora[name], g) for name, g in theirs.items() if name in ours_lora}
        results[arch] = {
            "preset": preset,
            "logits_relative_error": relative(ours_base["logits"], base_logits),
            "lora_gradient_relative_error_max": max(grads.values()) if grads else None,
            "lora_gradients_compared": len(grads),
            "lora_gradients_missing": missing,
        }
        print(arch, json.dumps(results[arch]))
        del peft_model, model
        torch.cuda.empty_cache()
    with open(os.path.join(args.out, "numerics.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
