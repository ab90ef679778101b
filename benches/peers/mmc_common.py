"""M/M/10 at rho = 0.8, the work every side of the comparison simulates, and its exact answers.

Time is in seconds: Poisson arrivals at 0.8 a second, exponential service of mean 10 s, 10 servers,
as in mm10.toml. Each peer program prints one JSON line: the simulation's own wall time (imports and
set-up excluded) and the statistic it is checked on.
"""

import json
import math

ARRIVAL_RATE = 0.8
SERVICE_RATE = 0.1
SERVERS = 10


def erlang_c(c=SERVERS, lam=ARRIVAL_RATE, mu=SERVICE_RATE):
    """Probability that an arrival waits in M/M/c."""
    a = lam / mu
    rho = a / c
    term = 1.0
    total = 0.0
    for k in range(c):
        total += term
        term *= a / (k + 1)
    top = term / (1.0 - rho)
    return top / (total + top)


def erlang_c_wq(c=SERVERS, lam=ARRIVAL_RATE, mu=SERVICE_RATE):
    """Mean wait in queue of M/M/c: C(c, a) / (c mu - lambda)."""
    return erlang_c(c, lam, mu) / (c * mu - lam)


def erlang_b(c=SERVERS, lam=ARRIVAL_RATE, mu=SERVICE_RATE):
    """Share of arrivals lost by M/M/c/c (no queue), by the stable recursion."""
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def report(peer, version, customers, seconds, **checks):
    out = {
        "peer": peer,
        "version": version,
        "customers": customers,
        "sim_seconds": seconds,
        "customers_per_second": customers / seconds,
    }
    out.update(checks)
    assert all(math.isfinite(v) for v in out.values() if isinstance(v, float))
    print(json.dumps(out))
