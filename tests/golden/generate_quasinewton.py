"""Golden trajectories of torch.optim.Adadelta, Rprop, ASGD and LBFGS for optiviz's tests.

Run with a PyTorch 2.x install (CPU):

    python tests/golden/generate_quasinewton.py

It writes tests/golden/{adadelta,rprop,asgd,lbfgs}.csv with columns optimizer,config,step,x,y:
step 0 is the start, then one row per optimizer.step(closure), 100 steps, floats printed with
Python's shortest round-trip repr. tests/golden_quasinewton.rs replays the same runs in optiviz.

Determinism and what is compared:
- float64 everywhere, and torch.set_default_dtype(torch.float64): torch keeps scalar state (ASGD's
  eta, mu, step) in the default dtype, which would otherwise round eta to float32.
- foreach=False: the single-tensor code path (`_single_tensor_<name>`), which optiviz follows.
- The closure does not use autograd: it sets p.grad from the same floating-point formulas as
  optiviz's landscapes (src/landscape/rosenbrock.rs, quadratic.rs), operation for operation, so
  the comparison isolates the optimizers. Rosenbrock f = (1 - x)^2 + 100 (y - x^2)^2 from
  (-1.2, 1); quadratic f = 1/2 (x^2 + 100 y^2) (Quadratic(lambda1: 1, lambda2: 100)) from (1, 1).
- LBFGS: one optiviz step is torch's step() with max_iter=1; with line_search_fn="strong_wolfe"
  also max_eval=26 (torch's default max_eval = max_iter*5//4 = 1 would leave the line search no
  evaluations). torch keeps stepping after its tolerance tests fire; optiviz ends the run there
  (StepOutcome::Converged), so the Rust test compares up to that step.
- ASGD rows with config ending in " [ax]" are the running average state["ax"] after each step
  (recorded for the t0=10 config only: with the default t0 = 1e6 it equals the iterate).
- Results depend on the CPU kernels: on x86-64 with AVX2/FMA, torch's add_(alpha=...) and
  addcmul_ round once (fused multiply-add), which optiviz reproduces with src/optim/torch_ops.rs.
"""

import csv
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
STEPS = 100
HERE = os.path.dirname(os.path.abspath(__file__))


def rosenbrock(x, y):
    """optiviz's Rosenbrock(a: 1, b: 100).value_and_gradient, same operation order."""
    a, b = 1.0, 100.0
    dx, valley = a - x, y - x * x
    value = dx * dx + b * valley * valley
    gradient = (-2.0 * dx - 4.0 * b * x * valley, 2.0 * b * valley)
    return value, gradient


def quadratic(x, y):
    """optiviz's Quadratic(lambda1: 1, lambda2: 100, angle_deg: 0).value_and_gradient: the
    matrix entries are l1*c*c + l2*s*s = 1, (l1 - l2)*c*s = -0.0, l1*s*s + l2*c*c = 100."""
    a00, a01, a10, a11 = 1.0, -0.0, -0.0, 100.0
    gradient = (a00 * x + a01 * y, a10 * x + a11 * y)
    return 0.5 * (x * gradient[0] + y * gradient[1]), gradient


LANDSCAPES = {
    "rosenbrock": (rosenbrock, (-1.2, 1.0)),
    "quadratic": (quadratic, (1.0, 1.0)),
}


def run(make_optimizer, landscape, average=False):
    """Rows (step, x, y) of 100 steps; with average, also the rows of ASGD's state['ax']."""
    function, start = LANDSCAPES[landscape]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p])

    def closure():
        optimizer.zero_grad()
        value, gradient = function(p[0].item(), p[1].item())
        p.grad = torch.tensor(gradient, dtype=torch.float64)
        return torch.tensor(value, dtype=torch.float64)

    rows, averages = [(0, start[0], start[1])], []
    for step in range(1, STEPS + 1):
        optimizer.step(closure)
        rows.append((step, p[0].item(), p[1].item()))
        if average:
            ax = optimizer.state[p]["ax"]
            averages.append((step, ax[0].item(), ax[1].item()))
    return rows, averages


def cases():
    """(file, optimizer, config label, landscape, factory, record ax). The labels are matched by
    tests/golden_quasinewton.rs, which builds the same configs."""
    o = torch.optim
    yield "adadelta", "Adadelta", "default", lambda ps: o.Adadelta(ps, foreach=False)
    yield "adadelta", "Adadelta", "lr=0.5 rho=0.95 eps=1e-4 weight_decay=0.1", lambda ps: o.Adadelta(
        ps, lr=0.5, rho=0.95, eps=1e-4, weight_decay=0.1, foreach=False
    )
    yield "rprop", "Rprop", "default", lambda ps: o.Rprop(ps, foreach=False)
    yield "rprop", "Rprop", "lr=0.1 etas=(0.3,1.5) step_sizes=(1e-3,1)", lambda ps: o.Rprop(
        ps, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 1.0), foreach=False
    )
    yield "asgd", "ASGD", "lr=1e-3", lambda ps: o.ASGD(ps, lr=1e-3, foreach=False)
    yield "asgd", "ASGD", "lr=1e-3 lambd=0.01 alpha=0.5 t0=10 weight_decay=0.01", lambda ps: o.ASGD(
        ps, lr=1e-3, lambd=0.01, alpha=0.5, t0=10.0, weight_decay=0.01, foreach=False
    )
    yield "lbfgs", "LBFGS", "None", lambda ps: o.LBFGS(ps, max_iter=1)
    yield "lbfgs", "LBFGS", "StrongWolfe", lambda ps: o.LBFGS(
        ps, max_iter=1, max_eval=26, line_search_fn="strong_wolfe"
    )
    yield "lbfgs", "LBFGS", "None history_size=3", lambda ps: o.LBFGS(ps, max_iter=1, history_size=3)
    yield "lbfgs", "LBFGS", "StrongWolfe history_size=3", lambda ps: o.LBFGS(
        ps, max_iter=1, max_eval=26, history_size=3, line_search_fn="strong_wolfe"
    )


def main():
    files = {}
    for file, optimizer, label, factory in cases():
        for landscape in LANDSCAPES:
            config = f"{landscape} {label}"
            average = optimizer == "ASGD" and "t0=" in label
            rows, averages = run(factory, landscape, average)
            out = files.setdefault(file, [])
            out += [(optimizer, config, *row) for row in rows]
            out += [(optimizer, config + " [ax]", *row) for row in averages]
    for file, rows in files.items():
        path = os.path.join(HERE, f"{file}.csv")
        with open(path, "w", newline="") as handle:
            handle.write(f"# torch {torch.__version__}, generated by generate_quasinewton.py\n")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["optimizer", "config", "step", "x", "y"])
            for optimizer, config, step, x, y in rows:
                writer.writerow([optimizer, config, step, repr(x), repr(y)])
        print(f"wrote {path} ({len(rows)} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
