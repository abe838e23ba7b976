"""The chart as helm renders it for each values file in tests/values: valid for the Kubernetes API, and
shaped as docs/scaling.md promises (one GPU per replica, headless Service, shards per index, secrets only
by reference, non-root)."""

import os
import re
import stat
import subprocess

import kubernetes_validate
import pytest
from cloudcoil.models.keda.v1alpha1 import ScaledObject
from conftest import NAMESPACE, RELEASE, by_kind, helm_template, one, pod_specs, render
from kubernetes_validate import utils as kv_utils

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TRITON = f"{RELEASE}-musicgen-triton"
DNS = f"dns:///{TRITON}.{NAMESPACE}.svc:8001"


def newest_minor_versions(n=2):
    """The newest `n` Kubernetes minor versions kubernetes-validate has schemas for (newest patch of each)."""
    newest = {}
    for version in kv_utils.all_versions():
        major, minor, patch = (int(x) for x in version.split("."))
        newest[(major, minor)] = max(newest.get((major, minor), (major, minor, patch)), (major, minor, patch))
    return [".".join(map(str, v)) for _, v in sorted(newest.items())[-n:]]


KUBE_VERSIONS = newest_minor_versions()

EXPECTED_KINDS = {
    "single.yaml": ["NetworkPolicy", "PersistentVolumeClaim", "Service", "Deployment", "Job"],
    "batch-hpa.yaml": ["NetworkPolicy", "ConfigMap", "Service", "Deployment", "HorizontalPodAutoscaler", "Job"],
    "keda-minio.yaml": ["PersistentVolumeClaim", "Service", "Deployment", "Job", "Job", "ScaledObject"],
}


def test_two_newest_minor_versions_are_checked():
    assert len(KUBE_VERSIONS) == 2 and KUBE_VERSIONS[0] < KUBE_VERSIONS[1]


def test_objects_rendered(rendered):
    name, objects = rendered
    assert [o["kind"] for o in objects] == EXPECTED_KINDS[name]


@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_every_kubernetes_object_is_valid(rendered, version):
    """Strict: unknown fields are errors too. KEDA's ScaledObject is outside these schemas (next test)."""
    _, objects = rendered
    problems = []
    for obj in objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{obj['kind']} {obj['metadata']['name']}: {e.message} at {list(e.path)}")
    assert problems == []


@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_the_schema_check_rejects_a_broken_object(version):
    deployment, _ = triton_container(render("single.yaml"))
    unknown = dict(deployment, spec=dict(deployment["spec"], replicaCount=2))
    mistyped = dict(deployment, spec=dict(deployment["spec"], replicas="two"))
    for broken in (unknown, mistyped):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, version, strict=True)


def test_keda_scaled_object_matches_kedas_crd_models():
    """Against models generated from KEDA's CRD schema (PyPI cloudcoil-models-keda, KEDA 2.16.1): every
    field typed as the CRD says, and nothing the CRD does not know (a round trip keeps every field)."""
    obj = one(render("keda-minio.yaml"), "ScaledObject")
    assert ScaledObject.model_validate(obj).model_dump(mode="json", by_alias=True, exclude_unset=True) == obj
    assert obj["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": TRITON},
        "minReplicaCount": 1,
        "maxReplicaCount": 6,
        "pollingInterval": 30,
        "cooldownPeriod": 600,
        "advanced": {
            "horizontalPodAutoscalerConfig": {
                "behavior": {
                    "scaleDown": {
                        "stabilizationWindowSeconds": 600,
                        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
                    }
                }
            }
        },
        "triggers": [
            {
                "type": "prometheus",
                "metadata": {
                    "serverAddress": "http://prometheus-operated.monitoring.svc:9090",
                    "query": f'sum(musicgen_lm_waiting_requests{{namespace="{NAMESPACE}",pod=~"{TRITON}-.*"}})',
                    "threshold": "16",
                },
            }
        ],
    }
    broken = dict(obj, spec=dict(obj["spec"], minReplicaCount="one"))
    with pytest.raises(ValueError):
        ScaledObject.model_validate(broken)


def test_hpa_scales_on_the_waiting_requests_gauge():
    hpa = one(render("batch-hpa.yaml"), "HorizontalPodAutoscaler")
    assert hpa["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": TRITON},
        "minReplicas": 2,
        "maxReplicas": 4,
        "metrics": [
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": "musicgen_lm_waiting_requests"},
                    "target": {"type": "AverageValue", "averageValue": "8"},
                },
            }
        ],
        "behavior": {
            "scaleDown": {
                "stabilizationWindowSeconds": 600,
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
            },
            "scaleUp": {"policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]},
        },
    }


def triton_container(objects):
    deployment = one(objects, "Deployment", TRITON)
    return deployment, deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    "values_file, replicas, slots, model",
    [
        ("single.yaml", 1, "auto", "facebook/musicgen-medium"),
        ("batch-hpa.yaml", None, "48", "facebook/musicgen-medium"),
        ("keda-minio.yaml", None, "auto", "example-org/musicgen-finetuned"),
    ],
)
def test_triton_one_gpu_per_replica_probes_and_settings(values_file, replicas, slots, model):
    deployment, triton = triton_container(render(values_file))
    assert deployment["spec"].get("replicas") == replicas  # an autoscaler owns the count
    assert triton["args"] == ["serve"]
    assert triton["resources"] == {
        "requests": {"cpu": "4", "memory": "24Gi", "nvidia.com/gpu": 1},
        "limits": {"memory": "48Gi", "nvidia.com/gpu": 1},
    }
    ready = {"httpGet": {"path": "/v2/health/ready", "port": "http"}}
    assert triton["startupProbe"] == dict(ready, periodSeconds=10, failureThreshold=120, timeoutSeconds=5)
    assert triton["readinessProbe"] == dict(ready, periodSeconds=5, failureThreshold=3, timeoutSeconds=5)
    assert triton["livenessProbe"] == {
        "httpGet": {"path": "/v2/health/live", "port": "http"},
        "periodSeconds": 15,
        "failureThreshold": 4,
        "timeoutSeconds": 5,
    }
    assert triton["env"] == [
        {"name": "MUSICGEN_VOLUME", "value": "/var/lib/musicgen"},
        {"name": "MUSICGEN_MODEL_ID", "value": model},
        {"name": "MUSICGEN_MAX_CONCURRENT", "value": slots},
        {"name": "MUSICGEN_INSTANCE_KIND", "value": "gpu"},
        {"name": "MUSICGEN_LISTEN_ADDRESS", "value": "0.0.0.0"},
        {"name": "TRITON_HTTP_PORT", "value": "8000"},
        {"name": "TRITON_GRPC_PORT", "value": "8001"},
        {"name": "TRITON_METRICS_PORT", "value": "8002"},
        {"name": "HF_HOME", "value": "/weights/huggingface"},
        {"name": "HF_HUB_OFFLINE", "value": "1"},
        # the pod runtime's own readiness wait lasts as long as the startup probe allows
        {"name": "MUSICGEN_START_TIMEOUT_S", "value": "1200"},
    ]
    assert triton["volumeMounts"][0] == {"name": "weights", "mountPath": "/weights", "readOnly": True}


def test_services_are_headless_and_never_public(rendered):
    _, objects = rendered
    assert [s["spec"].get("type", "ClusterIP") for s in by_kind(objects, "Service")] == ["ClusterIP"]
    service = one(objects, "Service", TRITON)
    assert service["spec"]["clusterIP"] == "None"
    assert [p["name"] for p in service["spec"]["ports"]] == ["grpc", "http", "metrics"]
    assert not by_kind(objects, "Ingress")
    for _, spec in pod_specs(objects):
        assert not spec.get("hostNetwork")
        assert all("hostPort" not in p for c in spec["containers"] for p in c.get("ports", []))


def test_only_the_batch_and_prometheus_reach_triton():
    policy = one(render("single.yaml"), "NetworkPolicy")
    assert policy["spec"]["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"musicgen.example/triton-client": "true"}}}],
            "ports": [{"port": "grpc", "protocol": "TCP"}, {"port": "http", "protocol": "TCP"}],
        },
        {
            "from": [
                {
                    "namespaceSelector": {
                        "matchExpressions": [
                            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["monitoring"]}
                        ]
                    }
                }
            ],
            "ports": [{"port": "metrics", "protocol": "TCP"}],
        },
    ]
    batch = one(render("batch-hpa.yaml"), "Job", f"{RELEASE}-musicgen-batch")
    assert batch["spec"]["template"]["metadata"]["labels"]["musicgen.example/triton-client"] == "true"


SECRETISH = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL", re.I)


def test_secrets_only_by_reference(rendered):
    _, objects = rendered
    assert by_kind(objects, "Secret") == []
    for owner, spec in pod_specs(objects):
        for container in spec.get("initContainers", []) + spec["containers"]:
            for env in container.get("env", []):
                if SECRETISH.search(env["name"]):
                    assert set(env) == {"name", "valueFrom"}, f"{owner}/{container['name']}: {env['name']}"
                    assert set(env["valueFrom"]) == {"secretKeyRef"}


def test_secret_references_name_the_configured_secrets():
    objects = render("keda-minio.yaml")
    batch = one(objects, "Job", f"{RELEASE}-musicgen-batch")["spec"]["template"]["spec"]["containers"][0]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in batch["env"] if "valueFrom" in e}
    assert refs == {
        "AWS_ACCESS_KEY_ID": {"name": "minio-credentials", "key": "user"},
        "AWS_SECRET_ACCESS_KEY": {"name": "minio-credentials", "key": "password"},
    }
    weights = one(objects, "Job", f"{RELEASE}-musicgen-weights")["spec"]["template"]["spec"]["containers"][0]
    assert [e for e in weights["env"] if "valueFrom" in e] == [
        {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}}
    ]
    _, triton = triton_container(objects)
    assert [e["name"] for e in triton["env"] if "valueFrom" in e] == []  # the server gets no secret


def dockerfile_users():
    """The USER of each stage of infra/docker/Dockerfile that sets one."""
    users, stage = {}, None
    with open(os.path.join(ROOT, "infra", "docker", "Dockerfile")) as f:
        for line in f:
            m = re.match(r"FROM \S+ AS (\S+)", line)
            if m:
                stage = m.group(1)
            m = re.match(r"USER (\d+):(\d+)", line)
            if m:
                users[stage] = (int(m.group(1)), int(m.group(2)))
    return users


def test_non_root_as_the_images_allow(rendered):
    _, objects = rendered
    users = dockerfile_users()
    assert users == {"triton": (10001, 10001), "batch": (1000, 1000)}
    for owner, spec in pod_specs(objects):
        image_stage = "batch" if owner.endswith("-batch") else "triton"
        uid, gid = users[image_stage]
        assert spec["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": gid,
            "fsGroup": gid,
            "seccompProfile": {"type": "RuntimeDefault"},
        }, owner
        assert spec["automountServiceAccountToken"] is False
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }, f"{owner}/{container['name']}"


def test_dockerfile_takes_its_pins_from_the_python_stack_file():
    with open(os.path.join(ROOT, "infra", "docker", "Dockerfile")) as f:
        text = f.read()
    assert ". /opt/musicgen/infra/python-stack.env;" in text
    for pinned in ("torch==${TORCH_VERSION}", "transformers==${TRANSFORMERS_VERSION}"):
        assert f'"{pinned}"' in text
    assert '"nvidia-pytriton==${NVIDIA_PYTRITON_VERSION}"' in text
    assert not re.search(r"(torch|transformers|pytriton)==\d", text)


def run_shard_command(container, index, tmp_path):
    """Runs the batch container's command as the kubelet would for completion index `index`, with a
    stand-in musicgen-batch that prints the arguments it was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "musicgen-batch"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update(PATH=f"{bin_dir}:/usr/bin:/bin", JOB_COMPLETION_INDEX=str(index))
    command = container["command"]
    assert command[:2] == ["/bin/sh", "-c"]
    out = subprocess.run(command + container["args"], env=env, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


@pytest.mark.parametrize(
    "values_file, shards, retries, prompts, out, extra",
    [
        ("batch-hpa.yaml", 4, 3, "prompts.txt", "s3://renders-bucket/catalogue", ["--format=wav24", "--seed=7"]),
        ("keda-minio.yaml", 3, 1, "catalogue.txt", "s3://minio-bucket/renders", []),
    ],
)
def test_each_index_runs_its_shard_against_every_replica(values_file, shards, retries, prompts, out, extra, tmp_path):
    job = one(render(values_file), "Job", f"{RELEASE}-musicgen-batch")
    spec = job["spec"]
    assert {k: spec[k] for k in ("completionMode", "completions", "parallelism", "backoffLimitPerIndex")} == {
        "completionMode": "Indexed",
        "completions": shards,
        "parallelism": shards,
        "backoffLimitPerIndex": retries,
    }
    assert spec["podFailurePolicy"] == {
        "rules": [{"action": "FailIndex", "onExitCodes": {"containerName": "batch", "operator": "In", "values": [2]}}]
    }
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    container = spec["template"]["spec"]["containers"][0]
    for index in range(shards):
        assert run_shard_command(container, index, tmp_path) == [
            "--shard",
            f"{index + 1}/{shards}",
            f"--prompts=/etc/musicgen/prompts/{prompts}",
            f"--triton={DNS}",
            f"--out={out}",
            "--spool=/var/spool/musicgen",
            *extra,
        ]


def test_prompts_inline_become_a_config_map():
    objects = render("batch-hpa.yaml")
    config_map = one(objects, "ConfigMap")
    assert config_map["data"] == {"prompts.txt": "rain on a tin roof ; 30 ; rain\nslow jazz ; 45 ; jazz\n"}
    volumes = one(objects, "Job", f"{RELEASE}-musicgen-batch")["spec"]["template"]["spec"]["volumes"]
    assert volumes[0] == {"name": "prompts", "configMap": {"name": config_map["metadata"]["name"]}}


@pytest.mark.parametrize(
    "sets, message",
    [
        (
            ["autoscaling.mode=vpa"],
            'Cannot render the chart as autoscaling.mode must be none, hpa or keda: current value is "vpa"',
        ),
        (
            ["batch.enabled=true", "batch.prompts.text=x ; 5 ; x"],
            "Cannot render the batch as batch.out is not set: give the S3 location, for example --set batch.out=s3://my-bucket/renders",
        ),
        (
            ["batch.enabled=true", "batch.out=/data/renders", "batch.prompts.text=x ; 5 ; x"],
            'Cannot render the batch as batch.out must be an s3:// location (the shared truth of every shard): current value is "/data/renders"',
        ),
        (
            ["batch.enabled=true", "batch.out=s3://b/p"],
            "Cannot render the batch as it has no prompts: give --set-file batch.prompts.text=prompts.txt or batch.prompts.configMap",
        ),
        (
            ["batch.enabled=true", "batch.out=s3://b/p", "batch.prompts.text=x ; 5 ; x", "batch.shards=0"],
            "Cannot render the batch as batch.shards must be at least 1: current value is 0",
        ),
    ],
)
def test_bad_values_fail_with_one_clear_line(sets, message):
    code, out, err = helm_template(sets=sets)
    assert (code, out) == (1, "")
    assert message in err.splitlines()[0]
