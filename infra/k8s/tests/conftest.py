"""Rendering the chart with the real helm (MUSICGEN_HELM, from scripts/ensure-helm.sh)."""

import os
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CHART = os.path.join(HERE, "..", "musicgen")
VALUES = os.path.join(HERE, "values")
VALUES_FILES = sorted(n for n in os.listdir(VALUES) if n.endswith(".yaml"))
RELEASE, NAMESPACE = "music", "renders"
# The cluster version helm renders for (the chart asks for >= 1.33: backoffLimitPerIndex is GA there).
KUBE_VERSION = "1.36.0"


def helm_binary():
    path = os.environ.get("MUSICGEN_HELM", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"no helm binary at MUSICGEN_HELM={path!r}: run the tests through infra/k8s/scripts/test.sh")
    return path


def helm_template(values_file=None, sets=()):
    """`helm template` of the chart: (exit status, stdout, stderr)."""
    args = [helm_binary(), "template", RELEASE, CHART, "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION]
    if values_file:
        args += ["--values", os.path.join(VALUES, values_file)]
    for s in sets:
        args += ["--set", s]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def render(values_file=None, sets=()):
    """The rendered objects (dicts), in helm's order."""
    code, out, err = helm_template(values_file, sets)
    assert code == 0, err
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="session", params=VALUES_FILES)
def rendered(request):
    return request.param, render(request.param)


def by_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def one(objects, kind, name=None):
    found = [o for o in by_kind(objects, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} objects named {name}"
    return found[0]


def pod_specs(objects):
    """(owner name, pod spec) of every workload."""
    return [
        (o["metadata"]["name"], o["spec"]["template"]["spec"]) for o in objects if o["kind"] in ("Deployment", "Job")
    ]
