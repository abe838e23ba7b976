"""`pod.sh serve` as the container image runs it under Kubernetes: the weights in a read-only Hugging Face
cache filled beforehand (the chart's weights Job), the hub unreachable, every port on all interfaces of the
container, the process in the foreground until SIGTERM, which stops the server cleanly (exit 0)."""

import os
import signal
import stat
import subprocess
import time
import urllib.request

from conftest import (
    HUB_ID,
    TRITON_VENV,
    VENV,
    clean_env,
    free_ports,
    needs_tritonserver,
    pod_command,
)
from test_pod_lifecycle import alive, listening, tree

pytestmark = needs_tritonserver


def read_only_tree(root):
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    os.chmod(root, os.stat(root).st_mode & ~stat.S_IWUSR)


def wait_for_line(proc, lines, needle, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line == "":
            break
        lines.append(line.rstrip("\n"))
        if needle in line:
            return
    raise AssertionError(f"no line with {needle!r} within {timeout} s:\n" + "\n".join(lines))


def test_serve_in_the_foreground_on_all_interfaces_until_sigterm(tmp_path, volume, hf_home, closed_port):
    http, grpc, metrics = free_ports(3)
    cache = str(tmp_path / "weights")
    subprocess.run(["cp", "-a", hf_home, cache], check=True)
    with open(os.path.join(cache, "hub", "version.txt"), "w") as f:
        f.write("1")  # what huggingface_hub writes into a cache it fills (the weights Job does)
    read_only_tree(cache)
    cache_before = tree(cache)
    env = clean_env(
        MUSICGEN_VOLUME=volume,
        MUSICGEN_MODEL_ID=HUB_ID,
        MUSICGEN_INSTANCE_KIND="cpu",
        MUSICGEN_MAX_CONCURRENT="2",
        MUSICGEN_LISTEN_ADDRESS="0.0.0.0",
        TRITON_HTTP_PORT=http,
        TRITON_GRPC_PORT=grpc,
        TRITON_METRICS_PORT=metrics,
        MUSICGEN_PYTHON_ENV=VENV,
        MUSICGEN_TRITONSERVER=TRITON_VENV,
        HF_HOME=cache,
        HF_HUB_OFFLINE="1",
        HF_ENDPOINT=f"http://127.0.0.1:{closed_port}",
    )
    proc = subprocess.Popen(
        pod_command(["serve"]), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    try:
        wait_for_line(proc, lines, "serving in the foreground", 300)
        pid = int(open(os.path.join(volume, "musicgen", "triton", "tritonserver.pid")).read())
        # Each port on a wildcard address (gRPC binds 0.0.0.0 as the dual-stack [::]), none on loopback only.
        wildcard = {"0.0.0.0", "ipv6:" + "0" * 32}
        bound = {port: address for address, port in listening(pid)}
        assert {port: bound.get(port) in wildcard for port in (http, grpc, metrics)} == {
            http: True,
            grpc: True,
            metrics: True,
        }
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/v2/health/ready", timeout=5) as r:
            assert r.status == 200
        assert f"  gRPC 0.0.0.0:{grpc}, HTTP 0.0.0.0:{http}, metrics 0.0.0.0:{metrics} " in "\n".join(lines)
        time.sleep(1.5)
        assert proc.poll() is None and alive(pid)  # still serving: the foreground process stays
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=120)
        lines.extend(rest.splitlines())
        assert proc.returncode == 0, "\n".join(lines)
        assert not alive(pid)
        assert lines[-2:][0] == f"SIGTERM: stopping tritonserver (pid {pid})"
        assert lines[-1].startswith(f"stopped tritonserver (pid {pid}) in ")
        assert not os.path.exists(os.path.join(volume, "musicgen", "triton", "tritonserver.pid"))
        assert tree(cache) == cache_before  # the shared weights are only read
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
