"""pod.sh driven as on a pod, on CPU: a temporary volume, the tiny-32k weights, the prebuilt Python env
and the tritonserver that infra/triton/ci-setup.sh installed (nothing is installed again).

One server start for `up` (then `up` again, `status`, `logs`, a dry-run and a port clash against it),
one restart for a changed setting (the model, now from a Hugging Face cache with the hub unreachable),
then `stop`.
"""

import json
import os
import re
import subprocess

from conftest import (
    HUB_ID,
    REVISION,
    TRITON_VENV,
    TRITONSERVER,
    VENV,
    clean_env,
    free_ports,
    needs_tritonserver,
    pod,
    processes_mentioning,
    source_models,
    write_env_file,
)

from musicgen_pod import stack

pytestmark = needs_tritonserver
SECRET = "hf_thisIsTheTestTokenItMustNeverShow"
HERE = os.path.dirname(os.path.abspath(__file__))


# Progress lines while Triton loads come every 10 s: how many depends on the machine's load.
PROGRESS = re.compile(r"waiting for Triton \(\d+ s\): .*")


def match_lines(text, expected):
    """Every line equals its expected string, or fully matches its expected pattern (load-progress lines,
    whose number depends on the machine, are left out)."""
    lines = [line for line in text.splitlines() if not PROGRESS.fullmatch(line)]
    assert len(lines) == len(expected), text
    for line, want in zip(lines, expected):
        if isinstance(want, re.Pattern):
            assert want.fullmatch(line), (line, want.pattern)
        else:
            assert line == want


def tree(root, skip=("tritonserver.log",)):
    """Every path under root with its size and modification time (what a dry-run must not change)."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            if name in skip:
                continue
            path = os.path.join(base, name)
            st = os.lstat(path)
            out[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return out


def listening(pid):
    """(address, port) of every listening TCP socket the process holds."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for row in f.readlines()[1:]:
                cols = row.split()
                if cols[3] != "0A" or cols[9] not in inodes:
                    continue
                address, port = cols[1].split(":")
                ip = bytes.fromhex(address[-8:])[::-1]
                prefix = address[:-8]
                if prefix and prefix != "0000000000000000FFFF0000":
                    found.add(("ipv6:" + address, int(port, 16)))
                else:
                    found.add((".".join(str(b) for b in ip), int(port, 16)))
    return found


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [a.decode() for a in f.read().split(b"\0") if a]


def environ(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return f.read().decode(errors="replace")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def served(grpc, names):
    proc = subprocess.run(
        [os.path.join(TRITON_VENV, "bin", "python"), os.path.join(HERE, "served_models.py"), f"127.0.0.1:{grpc}"]
        + names,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def expected_served(names):
    out = {"ready": {name: True for name in names}}
    if "musicgen_lm" in names:
        out["musicgen_lm"] = {"shape": [4, 5], "in_range": True}
    if "encodec_decode" in names:
        out["encodec_decode"] = {"shape": [1, 5 * 640]}
    return out


def expected_config(model, model_id, slots):
    """The source config.pbtxt with the deployment's values written in, edited here independently."""
    with open(os.path.join(HERE, "..", "..", "triton", "model_repository", model, "config.pbtxt")) as f:
        text = f.read()
    text = text.replace("kind: KIND_GPU", "kind: KIND_CPU")
    for key, value in (("model_id", model_id), ("max_concurrent_requests", slots), ("hf_local_files_only", "true")):
        text = re.sub(
            r'(parameters \{ key: "' + key + r'" value: \{ string_value: ")[^"]*(" \} \})',
            lambda m, v=value: m.group(1) + v + m.group(2),
            text,
        )
    if 'backend: "python"' in text:
        text += f'parameters {{ key: "EXECUTION_ENV_PATH" value: {{ string_value: "{VENV}" }} }}\n'
    return text


def read(path):
    with open(path) as f:
        return f.read()


def probe_venv():
    proc = subprocess.run(
        [os.path.join(VENV, "bin", "python"), os.path.join(HERE, "..", "musicgen_pod", "probe.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.splitlines()[-1])


def test_up_status_logs_restart_stop(tmp_path, volume, tiny_dir, hf_home, closed_port):
    http, grpc, metrics = free_ports(3)
    write_env_file(
        volume,
        {
            "MUSICGEN_MODEL_ID": tiny_dir,
            "MUSICGEN_INSTANCE_KIND": "cpu",
            "MUSICGEN_MAX_CONCURRENT": "2",
            "TRITON_HTTP_PORT": http,
            "TRITON_GRPC_PORT": grpc,
            "TRITON_METRICS_PORT": metrics,
            "MUSICGEN_PYTHON_ENV": VENV,
            "MUSICGEN_TRITONSERVER": TRITON_VENV,
            "HF_HOME": hf_home,
            "HF_TOKEN": SECRET,
        },
    )
    env = clean_env(MUSICGEN_VOLUME=volume, HF_ENDPOINT=f"http://127.0.0.1:{closed_port}")
    triton_dir = os.path.join(volume, "musicgen", "triton")
    models_dir = os.path.join(triton_dir, "models")
    pid_file = os.path.join(triton_dir, "tritonserver.pid")
    log_file = os.path.join(triton_dir, "tritonserver.log")
    names = source_models()
    outputs = []

    def run(*args, **extra):
        proc = pod(args, dict(env, **extra))
        outputs.append(proc.stdout + proc.stderr)
        return proc

    info = probe_venv()
    pins = stack.read_pins()
    glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[1]
    stub_version = ".".join(str(info["python"]).split(".")[:2])
    warnings = []
    if not stack.in_range(info["torch"], pins.torch_min, pins.torch_max):
        warnings.append(
            f"musicgen-pod: warning: torch {info['torch']} in {VENV} is outside the pinned range "
            f"({pins.torch_min} <= torch < {pins.torch_max}); serving anyway"
        )
    if info["transformers"] != pins.transformers_version:
        warnings.append(
            f"musicgen-pod: warning: transformers {info['transformers']} in {VENV} is not the pinned "
            f"{pins.transformers_version}; serving anyway"
        )
    server_bin = TRITONSERVER  # under MUSICGEN_TRITONSERVER=venv-triton: lib/python3.X/site-packages/pytriton/...
    command = [
        server_bin,
        f"--model-repository={models_dir}",
        f"--backend-directory={os.path.join(triton_dir, 'backends')}",
        "--http-address=127.0.0.1",
        f"--http-port={http}",
        "--grpc-address=127.0.0.1",
        f"--grpc-port={grpc}",
        "--allow-metrics=true",
        "--metrics-address=127.0.0.1",
        f"--metrics-port={metrics}",
        "--allow-gpu-metrics=false",
        "--allow-sagemaker=false",
        "--allow-vertex-ai=false",
        "--exit-timeout-secs=30",
        "--grpc-http2-min-recv-ping-interval-without-data=10000",
        "--grpc-keepalive-time=60000",
        "--grpc-keepalive-timeout=20000",
    ]
    disk_line = re.compile(
        rf"disk: \d+\.\d GB free on {re.escape(volume)}, 2\.0 GB needed \(MUSICGEN_DISK_RESERVE_GB 2\)"
    )
    common = [
        f"glibc {glibc} (>= {pins.glibc_min})",
        "GPU: not used (MUSICGEN_INSTANCE_KIND=cpu)",
        f"Python env: {VENV} (prebuilt, Python {info['python']}, torch {info['torch']}, "
        f"transformers {info['transformers']})",
        disk_line,
        f"tritonserver: {server_bin} (Python backend stub for {stub_version})",
    ]

    def repository_line(verb, model_id):
        return (
            f"model repository: {verb} {models_dir}: {', '.join(names)}: instances KIND_CPU, model_id {model_id}, "
            f"max_concurrent_requests 2, hf_local_files_only true, EXECUTION_ENV_PATH {VENV}"
        )

    def ready_lines(pid, fresh):
        took = r" after \d+ s" if fresh else ""
        return [
            re.compile(rf"Triton is ready \(pid {pid}\){took}: {', '.join(names)}"),
            f"  gRPC 127.0.0.1:{grpc}, HTTP 127.0.0.1:{http}, metrics 127.0.0.1:{metrics} "
            "(this machine only: reach them through an SSH tunnel)",
            f"  tunnel from your laptop: ssh -N -L {grpc}:127.0.0.1:{grpc} USER@POD",
        ]

    # A pid file left by a crash, naming a live process that is not this volume's tritonserver.
    os.makedirs(triton_dir)
    with open(pid_file, "w") as f:
        f.write(f"{os.getpid()}\n")
    stopped = {
        "state": "stopped",
        "pid": None,
        "http": f"127.0.0.1:{http}",
        "grpc": f"127.0.0.1:{grpc}",
        "metrics": f"127.0.0.1:{metrics}",
        "models": {name: {"ready": False, "state": None} for name in names},
        "model_id": tiny_dir,
        "instance_kind": "cpu",
        "started_at": None,
        "log": log_file,
        "model_repository": models_dir,
    }
    proc = run("status", "--json")
    assert (proc.returncode, json.loads(proc.stdout), proc.stderr) == (3, stopped, "")

    # Dry-run: says what it would do, changes nothing.
    before = tree(volume)
    proc = run("up", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    match_lines(
        proc.stdout,
        [f"would remove the stale pid file {pid_file} (no tritonserver of this volume runs)"]
        + common
        + [
            f"weights: {tiny_dir}, a local directory",
            repository_line("would generate", tiny_dir),
            "would start: " + " ".join(command),
            f"would wait up to 900 s for {', '.join(names)} to be ready (log: {log_file})",
        ],
    )
    assert proc.stderr.splitlines() == warnings
    assert tree(volume) == before

    # up: starts the server and waits until every model is ready.
    proc = run("up")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pid = int(read(pid_file))
    match_lines(
        proc.stdout,
        [f"removing the stale pid file {pid_file} (no tritonserver of this volume runs)"]
        + common
        + [
            f"weights: {tiny_dir}, a local directory",
            repository_line("generating", tiny_dir),
            f"started tritonserver (pid {pid}); log: {log_file}",
        ]
        + ready_lines(pid, fresh=True),
    )
    assert proc.stderr.splitlines() == warnings
    assert cmdline(pid) == command
    assert listening(pid) == {("127.0.0.1", http), ("127.0.0.1", grpc), ("127.0.0.1", metrics)}
    assert SECRET not in environ(pid)
    for name in names:
        assert read(os.path.join(models_dir, name, "config.pbtxt")) == expected_config(name, tiny_dir, "2")
    backend = os.path.join(triton_dir, "backends", "python")
    assert sorted(set(os.listdir(backend)) - {"__pycache__"}) == [
        "libtriton_python.so",
        "triton_python_backend_stub",
        "triton_python_backend_utils.py",
    ]
    stub = os.path.join(os.path.dirname(os.path.dirname(server_bin)), "python_backend_stubs", stub_version)
    assert read_bytes(os.path.join(backend, "triton_python_backend_stub")) == read_bytes(
        os.path.join(stub, "triton_python_backend_stub")
    )
    record = read(os.path.join(triton_dir, "deployment.json"))
    assert served(grpc, names) == expected_served(names)

    # up again: nothing changes, nothing restarts.
    proc = run("up")
    assert proc.returncode == 0, proc.stderr
    match_lines(
        proc.stdout,
        [f"Triton already runs (pid {pid}) with these settings: nothing to change"] + ready_lines(pid, fresh=False),
    )
    assert proc.stderr == ""
    assert int(read(pid_file)) == pid and alive(pid)
    assert read(os.path.join(triton_dir, "deployment.json")) == record
    assert read(log_file).count("--- musicgen-pod: starting tritonserver") == 1

    # status, human and JSON.
    started_at = json.loads(record)["started_at"]
    running = dict(
        stopped,
        state="running",
        pid=pid,
        started_at=started_at,
        models={name: {"ready": True, "state": "READY"} for name in names},
    )
    proc = run("status", "--json")
    assert (proc.returncode, json.loads(proc.stdout), proc.stderr) == (0, running, "")
    proc = run("status")
    assert proc.returncode == 0
    match_lines(
        proc.stdout,
        [f"Triton is running (pid {pid}) since {started_at}: every model is ready"]
        + [f"  model    {name}: ready (READY)" for name in names]
        + [
            f"  serves   {tiny_dir} on cpu",
            f"  gRPC     127.0.0.1:{grpc}",
            f"  HTTP     127.0.0.1:{http}",
            f"  metrics  127.0.0.1:{metrics}",
            f"  log      {log_file}",
        ],
    )

    # logs: the last lines of the log file, as they are.
    proc = run("logs", "--lines", "3")
    assert proc.returncode == 0
    assert proc.stdout == "".join(read(log_file).splitlines(keepends=True)[-3:])

    # A dry-run against the running server: nothing to do, nothing changed.
    before = tree(volume)
    proc = run("up", "--dry-run")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        f"Triton already runs (pid {pid}) with these settings: nothing to change\n",
        "",
    )
    assert tree(volume) == before

    # Another volume on the same ports: refused before anything starts.
    other = str(tmp_path / "other-volume")
    os.makedirs(other)
    proc = pod(
        ["up"], dict(env, MUSICGEN_VOLUME=other, MUSICGEN_POD_ENV_FILE=os.path.join(volume, "musicgen", "pod.env"))
    )
    outputs.append(proc.stdout + proc.stderr)
    assert proc.returncode == 17
    assert proc.stderr.splitlines()[-1] == (
        f"musicgen-pod: Cannot start Triton as port {http} (TRITON_HTTP_PORT) is taken on 127.0.0.1: stop what "
        f"listens there (`ss -ltnp 'sport = :{http}'` shows it) or set TRITON_HTTP_PORT to a free port"
    )
    assert processes_mentioning(other) == []

    # A changed setting restarts the server: the model now comes from the Hugging Face cache, offline.
    snapshot = os.path.join(hf_home, "hub", "models--" + HUB_ID.replace("/", "--"), "snapshots", REVISION)
    proc = run("up", MUSICGEN_MODEL_ID=HUB_ID)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    new_pid = int(read(pid_file))
    assert new_pid != pid and not alive(pid)
    match_lines(
        proc.stdout,
        [f"restarting Triton (pid {pid}): MUSICGEN_MODEL_ID {tiny_dir} -> {HUB_ID}"]
        + common
        + [
            f"weights: the hub cannot be reached (Connection refused); using the cached snapshot {snapshot}",
            f"weights: {HUB_ID} in {snapshot}",
            re.compile(rf"stopped tritonserver \(pid {pid}\) in \d+\.\d s"),
            repository_line("generating", HUB_ID),
            f"started tritonserver (pid {new_pid}); log: {log_file}",
        ]
        + ready_lines(new_pid, fresh=True),
    )
    for name in names:
        assert read(os.path.join(models_dir, name, "config.pbtxt")) == expected_config(name, HUB_ID, "2")
    assert served(grpc, names) == expected_served(names)

    # stop: graceful, the pid file goes, no process of this volume is left.
    proc = run("stop")
    assert proc.returncode == 0, proc.stderr
    match_lines(proc.stdout, [re.compile(rf"stopped tritonserver \(pid {new_pid}\) in \d+\.\d s")])
    assert not os.path.exists(pid_file) and not alive(new_pid)
    assert processes_mentioning(volume) == []
    proc = run("status", "--json")
    assert (proc.returncode, json.loads(proc.stdout)) == (3, stopped)  # the settings' model again
    proc = run("stop")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Triton is not running\n", "")
    proc = run("logs", "--lines", "1")
    assert proc.returncode == 0 and proc.stdout == read(log_file).splitlines(keepends=True)[-1]

    # The token never shows: not in any output, not in any process's arguments.
    assert all(SECRET not in out for out in outputs)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()
