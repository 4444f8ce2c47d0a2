"""How far the unique predict rows are from their target even with outputs that cost nothing (issue 17).

    .venv/bin/python loadtests/bench_floor.py [--rounds 3 --duration 4 --rows unique_url,unique_base64]

Runs `make bench`'s unique rows (`bench_unique.py`) twice against the bare baseline: the emulator as
it serves, and the same emulator with every classifier output made free: each model version answers
every input with the concepts it gave its first (`Scorer.concepts_json` returns bytes made once, so
no stream, sort or float formatting is left). Everything else a unique predict does stays: reading
the body, the media strings checked, the input hashed, the plan run, the echo, ids, times, the
journal. The second ratio is a ceiling for any scorer, however fast: if it is under the target, the
target cannot be met by making outputs cheaper.

`python loadtests/bench_floor.py serve ...` is that second emulator (`workflow-emulator serve` with
the change); it is for this measurement only and never part of the product.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def free_outputs() -> None:
    """Make `Scorer.concepts_json` answer the first answer its scorer made, for every input."""
    from emulator.clarifai import outputs

    made: dict[int, bytes] = {}
    real = outputs.Scorer.concepts_json

    def concepts_json(self: outputs.Scorer, seed: bytes, words: str, config: outputs.OutputConfig) -> bytes:
        b = made.get(id(self))
        if b is None:
            b = made[id(self)] = real(self, seed, words, config)
        return b

    outputs.Scorer.concepts_json = concepts_json  # type: ignore[method-assign]


def measure(args: argparse.Namespace) -> int:
    import bench
    import bench_unique
    import generators
    from servers import start_emulator

    generator = generators.available(args.generator)
    server_cpu, gen_cpu = bench.cpu_plan()
    if gen_cpu is not None:
        os.sched_setaffinity(0, {gen_cpu})
    names = tuple(args.rows.split(","))
    results: dict[str, Any] = {}
    for label, main in (("emulator", ("-m", "emulator")), ("outputs free", (str(HERE),))):
        emu = start_emulator({"EMULATOR_MAX_WORKFLOWS": "10000"}, cpu=server_cpu, grpc=False, main=main)
        try:
            bench.setup_workflows(emu.port, ("load-2-node", 1))
            results[label] = bench_unique.rows(emu, args, server_cpu, gen_cpu, generator, names)
        finally:
            emu.stop()
    print(f"generator: {generator}, {args.connections} connections, {args.rounds} x {args.duration:g} s rounds")
    print("| row | emulator (ratio) | outputs free (ratio) | target |")
    print("|---|---|---|---|")
    for name in names:
        cells = []
        for label in results:
            row = results[label][name]
            cells.append(f"{row['emulator']['rps']:,.0f} req/s vs {row['baseline']['rps']:,.0f} "
                         f"(**{row['ratio']:.2f}**)")
        target = bench.TARGETS["x32_ratio" if name.endswith("x32") else "unique_ratio"]
        print(f"| {name} | {cells[0]} | {cells[1]} | >= {target} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        free_outputs()
        from emulator.__main__ import main as serve

        return serve(argv)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rows", default="unique_url,unique_base64,unique_url_x32")
    return measure(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
