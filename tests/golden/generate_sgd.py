#!/usr/bin/env python3
"""Golden trajectories of torch.optim.SGD, for tests/golden_sgd.rs.

Runs SGD from torch.optim for 100 steps in float64 on the two problems of generate_adaptive.py and
writes every iterate:

    sgd_rosenbrock.csv   f = (1 − x)² + 100 (y − x²)²  from (−1.2, 1.0)
    sgd_quadratic.csv    f = ½ (x² + 100 y²)            from (1.0, 1.0)

Columns: optimizer,config,step,x,y as in generate_adaptive.py (`config` is optiviz's RON, e.g.
`Sgd(lr: 0.001, momentum: 0.9)`; step 0 is the start), here with all 101 rows of each run.

The reference is computed as in generate_adaptive.py, whose helpers this script imports: float64
default dtype, foreach=False (the single-tensor path, `_single_tensor_sgd`), and a gradient written
with the same formulas and floating-point order as optiviz's landscapes. SGD takes no square roots,
so there is no MKL caveat: on an x86-64 CPU with AVX2 (torch fuses add(alpha=) into one fused
multiply-add) optiviz must match every iterate bit for bit.

Usage (from the repository root):
    python tests/golden/generate_sgd.py                  # writes tests/golden/sgd_*.csv
    python tests/golden/generate_sgd.py --out /tmp/golden
Generated with torch 2.15.0 (CPU capability AVX2), Python 3.11.
"""

import argparse
import csv
import math
import os

import torch

from generate_adaptive import quadratic_grad, ron_config, rosenbrock_grad, trajectory

# (optiviz variant, torch class, hyperparameters as torch's keyword arguments): plain SGD, heavy-ball
# momentum, dampening, Nesterov, and weight decay with and without Nesterov. lr suits Rosenbrock
# (sharpness ≈ 1500 at the start; momentum μ is stable below 2(1 + μ)/lr, Nesterov below
# 2(1 + μ)/((1 + 2μ)·lr)). maximize only negates the gradient (unit-tested in src/optim/sgd.rs).
CONFIGS = [
    ("Sgd", "SGD", {"lr": 1e-3}),
    ("Sgd", "SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("Sgd", "SGD", {"lr": 1e-3, "momentum": 0.9, "dampening": 0.5}),
    ("Sgd", "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("Sgd", "SGD", {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.1}),
    ("Sgd", "SGD", {"lr": 7e-4, "momentum": 0.5, "weight_decay": 0.05, "nesterov": True}),
]

PROBLEMS = [
    ("sgd_rosenbrock.csv", rosenbrock_grad, (-1.2, 1.0)),
    ("sgd_quadratic.csv", quadratic_grad, (1.0, 1.0)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    os.makedirs(args.out, exist_ok=True)
    for file_name, grad_fn, start in PROBLEMS:
        with open(os.path.join(args.out, file_name), "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["optimizer", "config", "step", "x", "y"])
            for variant, torch_class, hyper in CONFIGS:
                config = ron_config(variant, hyper)
                for step, (x, y) in enumerate(trajectory(torch_class, hyper, grad_fn, start)):
                    if not (math.isfinite(x) and math.isfinite(y)):
                        raise SystemExit(f"{config} diverges on {file_name} at step {step}")
                    writer.writerow([variant, config, step, repr(x), repr(y)])
    print(f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
          f"wrote {args.out}")


if __name__ == "__main__":
    main()
