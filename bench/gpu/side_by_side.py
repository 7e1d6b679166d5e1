"""SharpTune against transformers + peft on this GPU: LoRA r=16 on all linear layers, bf16 base, random weights of
the Llama-3.2-1B and Qwen2.5-0.5B shapes, sequence lengths 512 and 2048, gradient checkpointing off and on. Each run
is a fresh process. Writes side_by_side.json and side_by_side.md (ratios: ours / theirs) to --out.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PRESETS = ["llama-3.2-1b", "qwen2.5-0.5b"]
SHAPES = [(512, 8), (2048, 2)]  # (sequence length, batch): 4096 tokens a step


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="one preset, one shape, fewer steps")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    presets = PRESETS[:1] if args.quick else PRESETS
    shapes = SHAPES[:1] if args.quick else SHAPES
    steps = 4 if args.quick else args.steps
    rows = []
    for preset in presets:
        for seq, batch in shapes:
            for checkpointing in (False, True):
                flag = ["--gradient-checkpointing"] if checkpointing else []
                ours_run = subprocess.run([args.cli, "bench", "--method", "lora", "--preset", preset, "--seq-len", str(seq), "--batch", str(batch),
                                           "--steps", str(steps), "--device", "cuda", "--dtype", "bfloat16", "--no-data", "--json", *flag],
                                          capture_output=True, text=True)
                if ours_run.returncode != 0:
                    print(ours_run.stderr, file=sys.stderr)
                    ours = {"error": ours_run.stderr.strip().splitlines()[-1:]}
                    config = None
                else:
                    ours = last_json(ours_run.stdout)
                    config = ours.pop("model_config")
                theirs = {"error": "no model config"}
                if config is not None:
                    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                        json.dump(config, f)
                    peer = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "peer_bench.py"), "--config", f.name,
                                           "--seq-len", str(seq), "--batch", str(batch), "--steps", str(steps), *flag],
                                          capture_output=True, text=True)
                    theirs = last_json(peer.stdout) if peer.returncode == 0 else {"error": peer.stderr.strip().splitlines()[-3:]}
                row = {"preset": preset, "seq_len": seq, "batch": batch, "gradient_checkpointing": checkpointing, "sharptune": ours, "peft": theirs}
                rows.append(row)
                print(json.dumps(row))
    with open(os.path.join(args.out, "side_by_side.json"), "w") as f:
        json.dump(rows, f, indent=2)
    lines = ["| shape | seq × batch | ckpt | tokens/s ours | tokens/s peft | speed ratio | MFU ours | MFU peft | peak mem ours GiB | peak mem peft GiB | memory ratio |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        o, t = r["sharptune"], r["peft"]
        if "error" in o or "error" in t:
            lines.append(f"| {r['preset']} | {r['seq_len']} × {r['batch']} | {r['gradient_checkpointing']} | error: {o.get('error') or t.get('error')} |")
            continue
        lines.append(f"| {r['preset']} | {r['seq_len']} × {r['batch']} | {'on' if r['gradient_checkpointing'] else 'off'} | "
                     f"{o['tokens_per_second']:.0f} | {t['tokens_per_second']:.0f} | {o['tokens_per_second'] / t['tokens_per_second']:.2f}× | "
                     f"{o['mfu']:.2f} | {t['mfu']:.2f} | {o['peak_memory_bytes'] / 2**30:.1f} | {t['peak_memory_bytes'] / 2**30:.1f} | "
                     f"{o['peak_memory_bytes'] / t['peak_memory_bytes']:.2f}× |")
    with open(os.path.join(args.out, "side_by_side.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
