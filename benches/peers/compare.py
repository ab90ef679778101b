"""Times agentcost and the peers on the same M/M/10 work, interleaved, and prints a Markdown table.

Usage: compare.py AGENTCOST_BINARY N ROUNDS. Each round runs every side once, in turn, so a slow
spell of a shared machine falls on all sides alike. agentcost is timed as a whole process (start-up,
TOML parsing, both patterns' simulations, billing, JSON output); the peers by their simulation loop
alone (imports and set-up excluded), which favours them.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time

from mmc_common import erlang_b, erlang_c_wq

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = ["ciw", "simpy", "simfaas"]
# At a million customers the mean wait's relative standard error is about 1% (the waits of a queue
# at rho = 0.8 are strongly correlated), so 5% off there is a wrong model; it shrinks as 1/sqrt(N).
def tolerance(n):
    return max(0.05, 0.05 * (1e6 / n) ** 0.5)


def run_agentcost(binary, n):
    cmd = [binary, "simulate", os.path.join(HERE, "mm10.toml"), "--replications", "1",
           "--documents", str(n), "--format", "json"]
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    report = json.loads(out)
    waits = {k: p["capacity"]["queue_wait_mean_s"] for k, p in report["patterns"].items()}
    return {"customers": report["documents_simulated"], "seconds": seconds, "waits": waits,
            "version": report["tool"] if isinstance(report["tool"], str) else report["tool"].get("version", "")}


def run_peer(peer, n):
    cmd = [sys.executable, os.path.join(HERE, f"mm10_{peer}.py"), str(n)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["seconds"] = r["sim_seconds"]
    return r


def check(name, got, want, n):
    rel = abs(got - want) / want
    verdict = f"ok, within {tolerance(n):.0%}" if rel <= tolerance(n) else f"OFF BY {rel:.1%}"
    print(f"  check {name}: simulated {got:.4f}, exact {want:.4f} ({verdict})", file=sys.stderr)
    return rel <= tolerance(n)


def main():
    binary, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sides = ["agentcost"] + PEERS
    results = {s: [] for s in sides}
    for r in range(rounds):
        for side in sides:
            res = run_agentcost(binary, n) if side == "agentcost" else run_peer(side, n)
            results[side].append(res)
            print(f"round {r + 1} {side}: {res['customers']} customers in {res['seconds']:.3f} s",
                  file=sys.stderr)
    ok = True
    wq = erlang_c_wq()
    for side in sides:
        last = results[side][-1]
        if side == "agentcost":
            for pattern, w in last["waits"].items():
                ok &= check(f"agentcost {pattern} mean wait (Erlang C Wq)", w, wq, n)
        elif side == "simfaas":
            ok &= check("simfaas rejected share (Erlang B)", last["rejected_share"], erlang_b(), n)
        else:
            ok &= check(f"{side} mean wait (Erlang C Wq)", last["mean_wait_s"], wq, n)

    def rates(side):
        return [x["customers"] / x["seconds"] for x in results[side]]

    ours = rates("agentcost")
    print(f"\nM/M/10 at rho = 0.8, {n:,} customers, {rounds} interleaved runs per side; "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores\n")
    print("| simulator | what one run does | customers/s (best) | customers/s (median) | "
          "agentcost per customer is faster by (median) |")
    print("|---|---|---:|---:|---:|")
    what = {
        "agentcost": "both patterns (Lambda, AgentCore: two M/M/10 queues) + billing; whole process",
        "ciw": "one M/M/10 queue; simulation loop only",
        "simpy": "one M/M/10 queue (Resource); simulation loop only",
        "simfaas": "one M/M/10/10 loss system (rejects, no queue); simulation loop only",
    }
    for side in sides:
        rs = rates(side)
        name = side if side == "agentcost" else f"{side} {results[side][0]['version']}"
        ratio = "—" if side == "agentcost" else f"{statistics.median(ours) / statistics.median(rs):.0f}×"
        print(f"| {name} | {what[side]} | {max(rs):,.0f} | {statistics.median(rs):,.0f} | {ratio} |")
    if not ok:
        print("\nsome simulation disagrees with the exact answer: the timings compare wrong models",
              file=sys.stderr)
        sys.exit(1)


main()
