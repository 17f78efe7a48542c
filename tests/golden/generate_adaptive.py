#!/usr/bin/env python3
"""Golden trajectories of torch.optim's adaptive optimizers, for tests/golden_adaptive.rs.

Runs Adagrad, RMSprop, Adam, AdamW, Adamax, NAdam and RAdam from torch.optim for 100 steps in
float64 on two 2D problems and writes every iterate:

    adaptive_rosenbrock.csv   f = (1 − x)² + 100 (y − x²)²  from (−1.2, 1.0)
    adaptive_quadratic.csv    f = ½ (x² + 100 y²)            from (1.0, 1.0)

Columns: optimizer,config,step,x,y. `optimizer` is optiviz's variant name, `config` the same
optimizer as optiviz's RON (`Adam(lr: 0.05, amsgrad: true)`), so the Rust test builds it with the
preset parser; step 0 is the start. To keep the files small only steps 0–10 and every 10th step
are written (the Rust test takes all 100 steps and compares where a row exists; any deviation
persists along the trajectory). Floats are Python's repr (shortest round trip).

How the reference is computed, so the comparison tests the optimizers and nothing else:
- torch.set_default_dtype(torch.float64): parameters and torch's own scalar state (`step`,
  NAdam's `mu_product`) are float64. With the float32 default torch keeps those scalars in float32.
- foreach=False: the single-tensor code path (`_single_tensor_<name>`), torch's default on CPU.
- The gradient is not autograd's: the closure writes the same formulas, in the same floating-point
  order, as optiviz's Rosenbrock and Quadratic landscapes, so both sides see bit-identical
  gradients at bit-identical points.

Deterministic: no randomness, no threads involved (2-element tensors). Results depend on the
machine's kernels: torch's AVX2 build fuses multiply-adds in add(alpha=), addcmul and lerp
(optiviz does the same), and its MKL build computes tensor.sqrt() with MKL's vdSqrt, which is off
by one ulp from the correctly rounded square root on about 1% of inputs. `--exact-sqrt` replaces
Tensor.sqrt/sqrt_ by the correctly rounded square root (what optiviz computes), which isolates
everything else: with it, optiviz and torch agree bit for bit.

Usage (from the repository root):
    python tests/golden/generate_adaptive.py                 # writes tests/golden/*.csv
    python tests/golden/generate_adaptive.py --exact-sqrt --out /tmp/golden-exact
Generated with torch 2.15.0 (CPU capability AVX2, MKL), Python 3.11.
"""

import argparse
import csv
import math
import os

import torch

STEPS = 100
RECORDED_STEPS = set(range(11)) | set(range(0, STEPS + 1, 10))

# (optiviz variant, torch class, hyperparameters as torch's keyword arguments). Each optimizer runs
# with a few settings covering its options: weight decay (L2 and decoupled), AMSGrad, centered and
# momentum RMSprop, maximize, non-default betas.
CONFIGS = [
    ("Adagrad", "Adagrad", {"lr": 0.1}),
    ("Adagrad", "Adagrad", {"lr": 0.5, "lr_decay": 0.01, "weight_decay": 0.1,
                            "initial_accumulator_value": 0.5}),
    ("Adagrad", "Adagrad", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
    ("RmsProp", "RMSprop", {"lr": 0.01}),
    ("RmsProp", "RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}),
    ("RmsProp", "RMSprop", {"lr": 0.005, "alpha": 0.9, "weight_decay": 0.1, "momentum": 0.5}),
    ("Adam", "Adam", {"lr": 0.05}),
    ("Adam", "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", "Adam", {"lr": 0.02, "weight_decay": 0.5, "decoupled_weight_decay": True,
                      "maximize": True}),
    ("AdamW", "AdamW", {"lr": 0.05}),
    ("AdamW", "AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("Adamax", "Adamax", {"lr": 0.05}),
    ("Adamax", "Adamax", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.1}),
    ("NAdam", "NAdam", {"lr": 0.05}),
    ("NAdam", "NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", "NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
                        "momentum_decay": 0.01}),
    # RAdam's first steps are momentum SGD steps lr·m̂, so lr must suit Rosenbrock's gradients (~200).
    ("RAdam", "RAdam", {"lr": 1e-3}),
    ("RAdam", "RAdam", {"lr": 2e-3, "betas": (0.9, 0.9), "weight_decay": 0.1}),
    ("RAdam", "RAdam", {"lr": 1e-3, "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


def rosenbrock_grad(x, y):
    """optiviz's Rosenbrock (a = 1, b = 100), same operations in the same order."""
    a, b = 1.0, 100.0
    dx, valley = a - x, y - x * x
    return [-2.0 * dx - 4.0 * b * x * valley, 2.0 * b * valley]


def quadratic_grad(x, y):
    """optiviz's Quadratic(lambda1: 1, lambda2: 100, angle_deg: 0): the gradient A·p with A built
    from the rotation by 0° exactly as optiviz builds it (its off-diagonal entries are −0.0)."""
    l1, l2 = 1.0, 100.0
    s, c = math.sin(0.0), math.cos(0.0)
    a00, off, a11 = l1 * c * c + l2 * s * s, (l1 - l2) * c * s, l1 * s * s + l2 * c * c
    return [a00 * x + off * y, off * x + a11 * y]


PROBLEMS = [
    ("adaptive_rosenbrock.csv", rosenbrock_grad, (-1.2, 1.0)),
    ("adaptive_quadratic.csv", quadratic_grad, (1.0, 1.0)),
]


def ron_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "(" + ", ".join(ron_value(v) for v in value) + ")"
    return repr(float(value))


def ron_config(variant, hyper):
    fields = ", ".join(f"{name}: {ron_value(value)}" for name, value in hyper.items())
    return f"{variant}({fields})"


def trajectory(torch_class, hyper, grad_fn, start):
    param = torch.tensor(start, dtype=torch.float64)
    optimizer = getattr(torch.optim, torch_class)([param], foreach=False, **hyper)
    points = [tuple(param.tolist())]
    for _ in range(STEPS):
        x, y = param.tolist()
        param.grad = torch.tensor(grad_fn(x, y), dtype=torch.float64)
        optimizer.step()
        points.append(tuple(param.tolist()))
    return points


def use_exact_sqrt():
    def sqrt(self):
        return torch.tensor([math.sqrt(v) for v in self.reshape(-1).tolist()],
                            dtype=self.dtype).reshape(self.shape)

    def sqrt_(self):
        return self.copy_(sqrt(self))

    torch.Tensor.sqrt = sqrt
    torch.Tensor.sqrt_ = sqrt_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--exact-sqrt", action="store_true",
                        help="correctly rounded Tensor.sqrt instead of MKL's")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    if args.exact_sqrt:
        use_exact_sqrt()
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
                    if step in RECORDED_STEPS:
                        writer.writerow([variant, config, step, repr(x), repr(y)])
    print(f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
          f"exact sqrt: {args.exact_sqrt}, wrote {args.out}")


if __name__ == "__main__":
    main()
