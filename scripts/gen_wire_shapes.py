#!/usr/bin/env python3
"""Generate ``src/nubis/tables/wire/shapes.py`` from botocore's DynamoDB service model.

    python scripts/gen_wire_shapes.py           # (re)write the file
    python scripts/gen_wire_shapes.py --check   # exit 1 if the committed file differs (drift check)

The output is plain Python data (tuples, dicts, strings and ints) so that the server never imports botocore. Every
shape reachable from an operation's input is written once, by name:

    ("structure", ((member, shape), ...), (member in visit order, ...), (required member, ...), recursive)
    ("list", member shape, min, max)
    ("map", key shape, value shape, min, max)
    ("string", min, max, pattern, enum)
    ("integer" | "long" | "double", min, max)
    ("blob", min, max)
    ("boolean",)
    ("timestamp",)

``recursive`` is true for structures on a cycle (``AttributeValue``): the validator checks only their JSON
structure, never constraints; the service layer validates attribute values.

Member order. ``(member, shape)`` pairs keep the model's declaration order (AWS renders structure values with it:
``KeySchemaElement(attributeName=a, keyType=HASH)``); the visit order is the order in which AWS reports validation
errors, which is not the declaration order. Every recorded AWS response we have fits one rule: Coral visits a
structure's members in ``java.util.HashMap`` iteration order of their lowerCamelCase names (Java 8 hashing, default
capacity 16, doubled while the member count exceeds three quarters of it), and members sharing a bucket come in
reverse declaration order. Evidence (recorded AWS responses): ``attributeType`` before ``attributeName``,
``writeCapacityUnits`` before ``readCapacityUnits``, ``timeToLiveSpecification.attributeName`` before ``.enabled``,
``keySchema.N.member.attributeName`` before ``.keyType``, ListTables ``limit`` before ``exclusiveStartTableName``
(one bucket); dynalite's GetItem and BatchGetItem listings agree. Declaration order fails three of these.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "nubis" / "tables" / "wire" / "shapes.py"


# Enum value sets whose order in AWS's messages ("Member must satisfy enum value set: [...]") differs from the
# model's. [V] recorded AWS responses: ScalarAttributeType, StreamViewType, ContributorInsightsMode. [P] dynalite's
# AWS-checked tests: ComparisonOperator, Select, ConditionalOperator, ReturnValue, ProjectionType. Other enums keep
# the model's order, which matches every other message we have ([PROVISIONED, PAY_PER_REQUEST], [INDEXES, TOTAL,
# NONE], [SIZE, NONE], [HASH, RANGE], [ENABLE, DISABLE]).
ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "ScalarAttributeType": ("B", "N", "S"),
    "StreamViewType": ("OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE"),
    "ContributorInsightsMode": ("THROTTLED_KEYS", "ACCESSED_AND_THROTTLED_KEYS"),
    "ComparisonOperator": (
        "IN",
        "NULL",
        "BETWEEN",
        "LT",
        "NOT_CONTAINS",
        "EQ",
        "GT",
        "NOT_NULL",
        "NE",
        "LE",
        "BEGINS_WITH",
        "GE",
        "CONTAINS",
    ),
    "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
    "ConditionalOperator": ("OR", "AND"),
    "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
    "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
}


# Enums the front end does not enforce: the service checks them and words its own error. [V] AWS-verified error
# catalogue (ack-api-quirks, 2026-10-09): a bad TableClass gets "Invalid table-class parameter provided. ..." from
# CreateTable and UpdateTable, not the "Member must satisfy enum value set" aggregate.
SERVICE_CHECKED_ENUMS: frozenset[str] = frozenset({"TableClass"})


def load_model() -> tuple[dict[str, Any], str]:
    import botocore

    base = Path(botocore.__file__).parent / "data" / "dynamodb" / "2012-08-10"
    plain = base / "service-2.json"
    if plain.exists():
        model = json.loads(plain.read_text(encoding="utf-8"))
    else:
        with gzip.open(base / "service-2.json.gz", "rt", encoding="utf-8") as fh:
            model = json.load(fh)
    return model, str(botocore.__version__)


def java_string_hash(text: str) -> int:
    """``String.hashCode()`` over UTF-16 code units, as an unsigned 32-bit int."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def coral_member_order(names: list[str]) -> list[str]:
    """Order members the way AWS lists their validation errors (see the module docstring)."""
    capacity = 16
    while len(names) > capacity * 3 // 4:
        capacity *= 2

    def bucket(name: str) -> int:
        h = java_string_hash(name[:1].lower() + name[1:])
        return (h ^ (h >> 16)) & (capacity - 1)

    position = {name: i for i, name in enumerate(names)}
    return sorted(names, key=lambda n: (bucket(n), -position[n]))


def reachable(model: dict[str, Any], roots: list[str]) -> list[str]:
    shapes = model["shapes"]
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        kind = shape["type"]
        if kind == "structure":
            stack.extend(m["shape"] for m in shape["members"].values())
        elif kind == "list":
            stack.append(shape["member"]["shape"])
        elif kind == "map":
            stack.extend((shape["key"]["shape"], shape["value"]["shape"]))
    return sorted(seen)


def on_cycle(model: dict[str, Any], names: list[str]) -> set[str]:
    shapes = model["shapes"]

    def children(name: str) -> list[str]:
        shape = shapes[name]
        if shape["type"] == "structure":
            return [m["shape"] for m in shape["members"].values()]
        if shape["type"] == "list":
            return [shape["member"]["shape"]]
        if shape["type"] == "map":
            return [shape["key"]["shape"], shape["value"]["shape"]]
        return []

    cyclic: set[str] = set()
    for start in names:
        stack, seen = list(children(start)), set()
        while stack:
            name = stack.pop()
            if name == start:
                cyclic.add(start)
                break
            if name not in seen:
                seen.add(name)
                stack.extend(children(name))
    return cyclic


def bound(value: Any) -> int | None:
    return None if value is None else int(value)


def encode(model: dict[str, Any], name: str, cyclic: set[str]) -> tuple[Any, ...]:
    shape = model["shapes"][name]
    kind = shape["type"]
    if kind == "structure":
        members = shape["members"]
        ordered = coral_member_order(list(members))
        required = set(shape.get("required", ()))
        return (
            "structure",
            tuple((m, members[m]["shape"]) for m in members),
            tuple(ordered),
            tuple(m for m in ordered if m in required),
            name in cyclic,
        )
    if kind == "list":
        return ("list", shape["member"]["shape"], bound(shape.get("min")), bound(shape.get("max")))
    if kind == "map":
        return ("map", shape["key"]["shape"], shape["value"]["shape"], bound(shape.get("min")), bound(shape.get("max")))
    if kind == "string":
        enforced = "enum" in shape and name not in SERVICE_CHECKED_ENUMS
        enum = ENUM_ORDER.get(name, tuple(shape["enum"])) if enforced else None
        if enum is not None and sorted(enum) != sorted(shape["enum"]):
            raise SystemExit(f"ENUM_ORDER[{name!r}] no longer matches the model's values {shape['enum']}")
        return ("string", bound(shape.get("min")), bound(shape.get("max")), shape.get("pattern"), enum)
    if kind in ("integer", "long", "double"):
        return (kind, bound(shape.get("min")), bound(shape.get("max")))
    if kind == "blob":
        return ("blob", bound(shape.get("min")), bound(shape.get("max")))
    if kind in ("boolean", "timestamp"):
        return (kind,)
    raise SystemExit(f"unsupported shape type {kind!r} for {name}")


def render() -> str:
    model, version = load_model()
    operations = {op: spec["input"]["shape"] for op, spec in sorted(model["operations"].items()) if "input" in spec}
    names = reachable(model, sorted(set(operations.values())))
    cyclic = on_cycle(model, names)
    lines = [
        f'"""DynamoDB input shapes: generated by scripts/gen_wire_shapes.py from botocore {version}; do not edit.',
        "",
        "The tuple layouts are described in the generator's docstring; ``wire.validate`` compiles them once.",
        '"""',
        "",
        "from typing import Any, Final",
        "",
        f"BOTOCORE_VERSION: Final = {version!r}",
        "",
        "# operation -> input shape",
        "OPERATIONS: Final[dict[str, str]] = {",
    ]
    lines += [f"    {op!r}: {shape!r}," for op, shape in operations.items()]
    lines += ["}", "", "SHAPES: Final[dict[str, tuple[Any, ...]]] = {"]
    lines += [f"    {name!r}: {encode(model, name, cyclic)!r}," for name in names]
    lines += ["}", ""]
    return "\n".join(lines)


def _without_version(text: str) -> str:
    return re.sub(r"botocore [0-9][^;]*;|BOTOCORE_VERSION: Final = '[^']*'", "", text)


def check(current: str, fresh: str) -> int:
    """Fail on a hand edit; only warn when a newer botocore moved the model.

    CI installs the newest botocore the registry has, so a release upstream must not turn an untouched main red:
    the committed file stays what the server validates against until someone regenerates it on purpose.
    """
    name = TARGET.relative_to(ROOT)
    if _without_version(current) == _without_version(fresh):
        return 0
    recorded = re.search(r"BOTOCORE_VERSION: Final = '([^']*)'", current)
    installed = re.search(r"BOTOCORE_VERSION: Final = '([^']*)'", fresh)
    if recorded and installed and recorded.group(1) != installed.group(1):
        print(
            f"warning: {name} was generated from botocore {recorded.group(1)}; botocore {installed.group(1)}'s "
            "DynamoDB model differs: run scripts/gen_wire_shapes.py and review the change",
            file=sys.stderr,
        )
        return 0
    print(f"{name} is out of date: run scripts/gen_wire_shapes.py", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        return check(TARGET.read_text(encoding="utf-8") if TARGET.exists() else "", text)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
