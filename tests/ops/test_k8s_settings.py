"""Every setting of .env.example reaches the pods: a key of deploy/k8s/base/configmap.yaml or secret.yaml, or an env
var of the app Deployment. A new setting needs its line there too (secrets in secret.yaml, the rest in the
ConfigMap); `make k8s-validate` checks the same on the rendered manifests."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"


def _keys() -> list[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return [
        ln.split("=", 1)[0].strip()
        for ln in lines
        if ln.strip() and not ln.lstrip().startswith("#") and "=" in ln
    ]


def test_every_setting_is_referenced_by_the_manifests():
    config = yaml.safe_load((BASE / "configmap.yaml").read_text())["data"]
    secret = yaml.safe_load((BASE / "secret.yaml").read_text())["stringData"]
    app = next(d for d in yaml.safe_load_all((BASE / "app.yaml").read_text()) if d["kind"] == "Deployment")
    env = {e["name"] for e in app["spec"]["template"]["spec"]["containers"][0]["env"]}
    missing = [k for k in _keys() if k not in config and k not in secret and k not in env]
    assert not missing, f"add to deploy/k8s/base/configmap.yaml (or secret.yaml for secrets): {missing}"


def test_no_setting_is_both_config_and_secret():
    config = yaml.safe_load((BASE / "configmap.yaml").read_text())["data"]
    secret = yaml.safe_load((BASE / "secret.yaml").read_text())["stringData"]
    assert not set(config) & set(secret)
