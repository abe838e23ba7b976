"""The keepalive settings the pod runtime gives tritonserver, against the real binary on CPU.

A client that pings a quiet connection more often than tritonserver allows gets a GOAWAY
("too_many_pings") that fails every request on it. The runtime's command line lets clients ping every
GRPC_MIN_PING_INTERVAL_MS (10 s; the batch's client pings every 30 s); here the same flag, scaled down to
250 ms, keeps a client pinging every 500 ms connected, while Triton's default (300 s) drops it.
"""

import os
import subprocess
import time

from conftest import HERE, TRITON_SITE, TRITON_VENV, TRITONSERVER, free_ports, needs_tritonserver

from musicgen_pod import server

PROBE = os.path.join(HERE, "keepalive_probe.py")


def probe_against(tmp_path, command, http, grpc):
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "backends").mkdir(exist_ok=True)
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(TRITON_SITE, "nvidia_pytriton.libs"))
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while server.http_json(http, "/v2/health/live")[0] != 200:
            assert time.monotonic() < deadline and proc.poll() is None, "tritonserver did not start"
            time.sleep(0.2)
        out = subprocess.run(
            [os.path.join(TRITON_VENV, "bin", "python"), PROBE, f"127.0.0.1:{grpc}", "500", "5"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip()
    finally:
        proc.terminate()
        proc.wait(30)


@needs_tritonserver
def test_pings_on_a_quiet_stream_are_accepted_with_the_runtime_flags(tmp_path):
    http, grpc, metrics = free_ports(3)
    paths = server.Paths(str(tmp_path))
    ours = server.command(TRITONSERVER, paths, http, grpc, metrics, False, min_ping_interval_ms=250)
    assert probe_against(tmp_path, ours, http, grpc) == "open"
    default = [a for a in ours if not a.startswith("--grpc-http2-min-recv-ping-interval-without-data=")]
    assert probe_against(tmp_path, default, http, grpc) == "closed: UNAVAILABLE Too many pings"


def test_the_command_line_carries_the_keepalive_settings(tmp_path):
    cmd = server.command("tritonserver", server.Paths(str(tmp_path)), 1, 2, 3, False)
    assert cmd[-3:] == [
        "--grpc-http2-min-recv-ping-interval-without-data=10000",
        "--grpc-keepalive-time=60000",
        "--grpc-keepalive-timeout=20000",
    ]
