#!/usr/bin/env python3
"""Validate the Kubernetes manifests offline (`make k8s-validate`, run by CI).

1. Render the base and the production overlay: `kubectl kustomize` when kubectl is installed; otherwise the base
   files listed in kustomization.yaml are read as they are (the overlay's patches are then only checked to name
   objects of the base).
2. Validate every rendered object with `kubernetes-validate` (strict: unknown fields are errors) against the
   Kubernetes schemas it ships; custom resources (CloudNativePG `Cluster`, `ScheduledBackup`) have no schema there
   and are checked for their required fields here.
3. Every setting of .env.example is referenced: a key of the ConfigMap `pmip-config`, a key of the Secret
   `pmip-secrets`, or an env var set on the app Deployment (DATABASE_URL from the CloudNativePG secret).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
CUSTOM = {
    ("postgresql.cnpg.io/v1", "Cluster"): ["instances", "storage", "backup"],
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): ["schedule", "cluster"],
}


def render(directory: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl:
        out = subprocess.run(
            [kubectl, "kustomize", str(directory)], check=True, capture_output=True, text=True
        )
        return [d for d in yaml.safe_load_all(out.stdout) if d]
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        if path.is_dir():
            docs.extend(render(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for patch in kustomization.get("patches", []):
        target = yaml.safe_load((directory / patch["path"]).read_text())
        names = {(d["kind"], d["metadata"]["name"]) for d in docs}
        if (target["kind"], target["metadata"]["name"]) not in names:
            raise SystemExit(
                f"{patch['path']}: patches {target['kind']} {target['metadata']['name']}, not in the base"
            )
    return docs


def env_example_keys() -> list[str]:
    keys = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            keys.append(line.split("=", 1)[0])
    return keys


def main() -> int:
    errors: list[str] = []
    base = render(K8S / "base")
    production = render(K8S / "overlays" / "production")
    for label, docs in (("base", base), ("production", production)):
        for doc in docs:
            name = f"{label}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
            required = CUSTOM.get((doc.get("apiVersion"), doc.get("kind")))
            if required is not None:
                missing = [f for f in required if f not in doc.get("spec", {})]
                if missing:
                    errors.append(f"{name}: spec lacks {missing}")
                continue
            try:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                errors.append(f"{name}: {exc.message} at {'/'.join(map(str, exc.path))}")
            except Exception as exc:  # schema not found and the like: a manifest we cannot vouch for
                errors.append(f"{name}: {exc}")
        print(f"{label}: {len(docs)} objects")
    config = next(d for d in base if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "pmip-config")
    secret = next(d for d in base if d["kind"] == "Secret" and d["metadata"]["name"] == "pmip-secrets")
    app = next(d for d in base if d["kind"] == "Deployment" and d["metadata"]["name"] == "pmip-app")
    referenced = set(config.get("data", {})) | set(secret.get("stringData", {}))
    referenced |= {e["name"] for e in app["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    missing = [k for k in env_example_keys() if k not in referenced]
    if missing:
        errors.append(f"settings of .env.example missing from pmip-config/pmip-secrets: {', '.join(missing)}")
    if any(d["kind"] == "Secret" for d in production):
        errors.append("production: the placeholder Secret must be deleted by the overlay")
    for error in errors:
        print("ERROR", error)
    print(
        "k8s manifests:",
        "invalid" if errors else "valid",
        f"({'kubectl kustomize' if shutil.which('kubectl') else 'plain files'})",
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
