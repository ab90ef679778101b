"""M/M/10 at rho = 0.8 in SimPy: a Resource of capacity 10, one process per customer; mean wait
against Erlang C."""

import random
import sys
import time

import simpy

from mmc_common import ARRIVAL_RATE, SERVERS, SERVICE_RATE, erlang_c_wq, report

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
wait_total = 0.0
served = 0


def customer(env, servers):
    global wait_total, served
    arrived = env.now
    with servers.request() as req:
        yield req
        wait_total += env.now - arrived
        yield env.timeout(rng.expovariate(SERVICE_RATE))
    served += 1


def source(env, servers):
    for _ in range(n):
        yield env.timeout(rng.expovariate(ARRIVAL_RATE))
        env.process(customer(env, servers))


start = time.perf_counter()
env = simpy.Environment()
servers = simpy.Resource(env, capacity=SERVERS)
env.process(source(env, servers))
env.run()
seconds = time.perf_counter() - start
report(
    "simpy",
    simpy.__version__,
    served,
    seconds,
    mean_wait_s=wait_total / served,
    erlang_c_wq_s=erlang_c_wq(),
)
