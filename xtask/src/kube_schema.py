# Run by cargo xtask kubetest (xtask/src/kube.rs) in its virtual environment.
#
#   crds FILE...   validates prometheus-operator objects against the CRD schemas that
#                  cloudcoil-models-prometheus-operator generates its models from, refusing
#                  unknown fields as `kubectl apply --validate=strict` does
#   json FILE      prints the YAML document in FILE as JSON
import inspect
import json
import sys

import pydantic
import yaml


def strict_models():
    from cloudcoil import apimachinery
    from cloudcoil.models.prometheus_operator import v1

    # the generated models ignore unknown keys; the API server in strict mode refuses them
    classes = [
        c
        for m in (v1, apimachinery)
        for c in vars(m).values()
        if inspect.isclass(c) and issubclass(c, pydantic.BaseModel)
    ]
    for c in classes:
        c.model_config["extra"] = "forbid"
    for c in classes:
        c.model_rebuild(force=True)
    return v1


def crds(paths):
    v1 = strict_models()
    kinds = {"PodMonitor": v1.PodMonitor, "ServiceMonitor": v1.ServiceMonitor,
             "PrometheusRule": v1.PrometheusRule}
    bad = 0
    for path in paths:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                kind = doc.get("kind")
                model = kinds.get(kind)
                if model is None:
                    print(f"{path}: kind {kind!r} is not a prometheus-operator kind ({', '.join(kinds)})")
                    bad += 1
                    continue
                try:
                    model.model_validate(doc)
                    print(f"{path}: {kind} valid")
                except pydantic.ValidationError as e:
                    print(f"{path}: {kind} invalid: {e}")
                    bad += 1
    return 1 if bad else 0


def to_json(path):
    with open(path) as f:
        json.dump(yaml.safe_load(f), sys.stdout)
    return 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit(crds(args) if cmd == "crds" else to_json(args[0]))
