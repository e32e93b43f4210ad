"""Table descriptions as frozen dataclasses, and the rules CreateTable and UpdateTable apply to them.

A ``TableDescription`` is what the catalogue stores (as JSON) and what DescribeTable renders. It is immutable: a
change of billing mode or throughput makes a new one (``dataclasses.replace``). Everything here is pure: the
engine supplies the clock, the ids and the storage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from nubis.tables import limits
from nubis.tables.errors import (
    LimitExceededException,
    ResourceNotFoundException,
    ValidationException,
    invalid_parameters,
)

ScalarType = Literal["S", "N", "B"]
BillingMode = Literal["PROVISIONED", "PAY_PER_REQUEST"]
TableStatus = Literal["CREATING", "UPDATING", "DELETING", "ACTIVE"]

DEFAULT_ACCOUNT = "000000000000"


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    name: str
    type: ScalarType


@dataclass(frozen=True, slots=True)
class KeySchema:
    """A table's or index's key. Only a GSI may have more than one attribute per role (multi-attribute keys,
    [D] GSI.DesignPattern.MultiAttributeKeys): up to four partition and four sort attributes, in order."""

    hash: KeyAttribute
    range: KeyAttribute | None = None
    more_hash: tuple[KeyAttribute, ...] = ()
    more_range: tuple[KeyAttribute, ...] = ()

    @property
    def hashes(self) -> tuple[KeyAttribute, ...]:
        return (self.hash, *self.more_hash)

    @property
    def ranges(self) -> tuple[KeyAttribute, ...]:
        return () if self.range is None else (self.range, *self.more_range)

    @property
    def attributes(self) -> tuple[KeyAttribute, ...]:
        return (*self.hashes, *self.ranges)

    @property
    def multi(self) -> bool:
        return bool(self.more_hash or self.more_range)

    @property
    def names(self) -> tuple[str, ...]:
        if self.more_hash or self.more_range:
            return tuple(a.name for a in self.attributes)
        return (self.hash.name,) if self.range is None else (self.hash.name, self.range.name)

    def to_wire(self) -> list[dict[str, str]]:
        out = [{"AttributeName": a.name, "KeyType": "HASH"} for a in self.hashes]
        out.extend({"AttributeName": a.name, "KeyType": "RANGE"} for a in self.ranges)
        return out


@dataclass(frozen=True, slots=True)
class Throughput:
    """Provisioned throughput with AWS's bookkeeping of increases and decreases."""

    read: int = 0
    write: int = 0
    last_increase: float | None = None
    last_decrease: float | None = None
    decreases_today: int = 0

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "NumberOfDecreasesToday": self.decreases_today,
            "ReadCapacityUnits": self.read,
            "WriteCapacityUnits": self.write,
        }
        if self.last_increase is not None:
            out["LastIncreaseDateTime"] = self.last_increase
        if self.last_decrease is not None:
            out["LastDecreaseDateTime"] = self.last_decrease
        return out


IndexKind = Literal["GSI", "LSI"]
ProjectionType = Literal["ALL", "KEYS_ONLY", "INCLUDE"]
IndexStatus = Literal["CREATING", "UPDATING", "DELETING", "ACTIVE"]


@dataclass(frozen=True, slots=True)
class IndexDescription:
    """A secondary index: its own storage space, key schema and projection."""

    name: str
    kind: IndexKind
    space: int
    key_schema: KeySchema
    projection_type: ProjectionType
    non_key_attributes: tuple[str, ...] = ()
    throughput: Throughput = field(default_factory=Throughput)
    status: IndexStatus = "ACTIVE"
    backfilling: bool = False

    def projected_names(self, table_keys: tuple[str, ...]) -> frozenset[str] | None:
        """The attributes an index entry keeps (None: all of them)."""
        if self.projection_type == "ALL":
            return None
        return frozenset((*table_keys, *self.key_schema.names, *self.non_key_attributes))

    def to_wire(self, table: TableDescription, item_count: int, size_bytes: int) -> dict[str, Any]:
        projection: dict[str, Any] = {"ProjectionType": self.projection_type}
        if self.non_key_attributes:
            projection["NonKeyAttributes"] = list(self.non_key_attributes)
        out: dict[str, Any] = {
            "IndexName": self.name,
            "KeySchema": self.key_schema.to_wire(),
            "Projection": projection,
            "IndexSizeBytes": size_bytes,
            "ItemCount": item_count,
            "IndexArn": f"{table.arn}/index/{self.name}",
        }
        if self.kind == "GSI":
            out["IndexStatus"] = self.status
            out["ProvisionedThroughput"] = self.throughput.to_wire()
            if self.backfilling:
                out["Backfilling"] = True
        return out


@dataclass(frozen=True, slots=True)
class TableDescription:
    name: str
    region: str
    space: int
    table_id: str
    key_schema: KeySchema
    attribute_definitions: tuple[KeyAttribute, ...]
    billing_mode: BillingMode
    throughput: Throughput
    created: float
    status: TableStatus = "ACTIVE"
    account: str = DEFAULT_ACCOUNT
    billing_mode_updated: float | None = None
    deletion_protection: bool = False
    table_class: str = "STANDARD"
    extra: dict[str, Any] = field(default_factory=dict)
    """Settings kept verbatim for DescribeTable (SSE, stream specification) until their features exist."""
    indexes: tuple[IndexDescription, ...] = ()
    ttl_attribute: str | None = None
    """The attribute holding each item's expiry (epoch seconds) while Time to Live is enabled."""
    revision: int = 0
    """Bumped by every change of the description, so a write can tell that its copy is stale."""

    def index(self, name: str) -> IndexDescription | None:
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{self.name}"

    def to_json(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, data: bytes) -> TableDescription:
        return cls.from_dict(orjson.loads(data))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TableDescription:
        return cls(
            **{
                **raw,
                "key_schema": _key_schema_from(raw["key_schema"]),
                "attribute_definitions": tuple(KeyAttribute(**a) for a in raw["attribute_definitions"]),
                "throughput": Throughput(**raw["throughput"]),
                "indexes": tuple(
                    IndexDescription(
                        **{
                            **i,
                            "key_schema": _key_schema_from(i["key_schema"]),
                            "non_key_attributes": tuple(i["non_key_attributes"]),
                            "throughput": Throughput(**i["throughput"]),
                        }
                    )
                    for i in raw.get("indexes", ())
                ),
            }
        )

    def to_wire(
        self, item_count: int, size_bytes: int, index_stats: dict[str, tuple[int, int]] | None = None
    ) -> dict[str, Any]:
        """DescribeTable's ``Table`` structure ([D] api/DescribeTable, TableDescription)."""
        out: dict[str, Any] = {
            "AttributeDefinitions": [
                {"AttributeName": a.name, "AttributeType": a.type} for a in self.attribute_definitions
            ],
            "TableName": self.name,
            "KeySchema": self.key_schema.to_wire(),
            "TableStatus": self.status,
            "CreationDateTime": self.created,
            "ProvisionedThroughput": self.throughput.to_wire(),
            "TableSizeBytes": size_bytes,
            "ItemCount": item_count,
            "TableArn": self.arn,
            "TableId": self.table_id,
            "DeletionProtectionEnabled": self.deletion_protection,
        }
        if self.billing_mode == "PAY_PER_REQUEST" or self.billing_mode_updated is not None:
            out["BillingModeSummary"] = {"BillingMode": self.billing_mode}
            if self.billing_mode_updated is not None:
                out["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] = self.billing_mode_updated
        if self.table_class != "STANDARD":
            out["TableClassSummary"] = {"TableClass": self.table_class}
        stats = index_stats or {}
        for kind, member in (("LSI", "LocalSecondaryIndexes"), ("GSI", "GlobalSecondaryIndexes")):
            described = [i.to_wire(self, *stats.get(i.name, (0, 0))) for i in self.indexes if i.kind == kind]
            if described:
                out[member] = described
        out.update(self.extra)
        return out


def _key_schema_from(raw: dict[str, Any]) -> KeySchema:
    return KeySchema(
        KeyAttribute(**raw["hash"]),
        KeyAttribute(**raw["range"]) if raw["range"] else None,
        tuple(KeyAttribute(**a) for a in raw.get("more_hash", ())),
        tuple(KeyAttribute(**a) for a in raw.get("more_range", ())),
    )


# -- CreateTable ---------------------------------------------------------------------------------------------


def _throughput_from(request: dict[str, Any], billing: BillingMode) -> Throughput:
    pt = request.get("ProvisionedThroughput")
    if billing == "PAY_PER_REQUEST":
        if pt is not None:
            raise invalid_parameters(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
        return Throughput()
    if not pt or not pt.get("ReadCapacityUnits") or not pt.get("WriteCapacityUnits"):
        raise invalid_parameters(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )
    check_throughput_bounds(pt)
    return Throughput(read=int(pt["ReadCapacityUnits"]), write=int(pt["WriteCapacityUnits"]))


def check_throughput_bounds(pt: dict[str, Any]) -> None:
    """[P] dynalite createTable tests: AWS's message for capacity over its hard bound."""
    for member in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if int(pt[member]) > 1_000_000_000_000:
            raise ValidationException(f"Given value {pt[member]} for {member} is out of bounds")


_KEY_SCHEMA_TOO_BIG = "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table"
"""[L] DynamoDB Local 3.3 (double space included): tables and LSIs keep one partition and one sort attribute. The
AWS-verified error catalogue (ack-api-quirks, 2026-10-09) has no text for this case, and botocore's KeySchema no
longer caps the list at two, so DynamoDB Local's wording stays until AWS's is known."""

_SAME_NAME_PAIR = "Both the Hash Key and the Range Key element in the KeySchema have the same name"
"""[P] dynalite createTable tests (AWS-checked); still in the AWS-verified catalogue (2026-10-09)."""

# Multi-attribute GSI keys ([D] GSI.DesignPattern.MultiAttributeKeys). [V] AWS-verified error catalogue
# (ack-api-quirks, 2026-10-09), which replaced the wording Nubis had copied from DynamoDB Local ("Two keys can not
# have the same name", "Invalid key order...", "Too many partition keys..."). The catalogue gives the texts, not the
# requests that trigger each, so which check fires first when a schema breaks several rules is unverified.
_DUPLICATE_KEY_NAMES = "The KeySchema contains multiple key attributes with the same name"
_HASH_BEFORE_RANGE = "All HASH key attributes must precede RANGE key attributes in the KeySchema"
_TOO_MANY_KEY_ATTRIBUTES = "The KeySchema exceeds the maximum allowed number of {} key attributes"


def parse_definitions(elements: list[dict[str, Any]]) -> dict[str, ScalarType]:
    """AttributeDefinitions by name. [V] AWS-verified error catalogue (2026-10-09): a repeated name is refused."""
    definitions: dict[str, ScalarType] = {}
    for d in elements:
        if d["AttributeName"] in definitions:
            raise ValidationException(f"Attribute Name is duplicated: {d['AttributeName']}")
        definitions[d["AttributeName"]] = d["AttributeType"]
    return definitions


def parse_key_schema(elements: list[dict[str, Any]], definitions: dict[str, ScalarType]) -> KeySchema:
    if len(elements) > 2:
        raise ValidationException(_KEY_SCHEMA_TOO_BIG)
    names = [e["AttributeName"] for e in elements]
    if len(names) > len(definitions):
        raise ValidationException("Invalid KeySchema: Some index key attribute have no definition")
    if any(n not in definitions for n in names):
        raise invalid_parameters(
            "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(names)}], AttributeDefinitions: [{', '.join(definitions)}]"
        )
    if len(names) == 2 and names[0] == names[1]:
        raise ValidationException(_SAME_NAME_PAIR)
    if elements[0]["KeyType"] != "HASH":
        raise ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(elements) == 2 and elements[1]["KeyType"] != "RANGE":
        raise ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
    hash_key = KeyAttribute(names[0], definitions[names[0]])
    range_key = KeyAttribute(names[1], definitions[names[1]]) if len(names) == 2 else None
    return KeySchema(hash_key, range_key)


def parse_index(
    spec: dict[str, Any],
    kind: IndexKind,
    definitions: dict[str, ScalarType],
    *,
    billing: BillingMode,
    space: int,
    table_keys: KeySchema,
    status: IndexStatus = "ACTIVE",
) -> IndexDescription:
    """One index declaration, with AWS's checks in AWS's order ([P] dynalite createTable validations).

    A GSI's key may have up to four HASH attributes followed by up to four RANGE attributes; an LSI's is the
    table's HASH attribute and one RANGE attribute.
    """
    name = spec["IndexName"]
    elements = spec["KeySchema"]
    if kind == "LSI" and len(elements) > 2:
        raise ValidationException(_KEY_SCHEMA_TOO_BIG)
    names = [e["AttributeName"] for e in elements]
    if any(n not in definitions for n in names):
        raise invalid_parameters(
            "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(names)}], AttributeDefinitions: [{', '.join(definitions)}]"
        )
    if len(names) == 2 and names[0] == names[1]:
        raise ValidationException(_SAME_NAME_PAIR)
    if len(set(names)) != len(names):
        raise ValidationException(_DUPLICATE_KEY_NAMES)
    if elements[0]["KeyType"] != "HASH":
        raise ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    key_types = [e["KeyType"] for e in elements]
    if kind == "LSI" and len(elements) == 2 and key_types[1] != "RANGE":
        raise ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
    hash_names = [n for n, t in zip(names, key_types, strict=True) if t == "HASH"]
    range_names = names[len(hash_names) :]
    if key_types != ["HASH"] * len(hash_names) + ["RANGE"] * len(range_names):
        raise invalid_parameters(_HASH_BEFORE_RANGE)
    if len(hash_names) > limits.MAX_GSI_KEY_PARTS:
        raise invalid_parameters(_TOO_MANY_KEY_ATTRIBUTES.format("HASH"))
    if len(range_names) > limits.MAX_GSI_KEY_PARTS:
        raise invalid_parameters(_TOO_MANY_KEY_ATTRIBUTES.format("RANGE"))
    if kind == "LSI":
        if len(elements) != 2:
            raise invalid_parameters(f"Index KeySchema does not have a range key for index: {name}")
        if names[0] != table_keys.hash.name:
            raise invalid_parameters(
                f"Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. "
                f"index hash key: {names[0]}, table hash key: {table_keys.hash.name}"
            )
    projection_type, non_key = _parse_projection(spec.get("Projection") or {})
    throughput = Throughput()
    pt = spec.get("ProvisionedThroughput")
    if kind == "GSI":
        if billing == "PAY_PER_REQUEST" and pt is not None:
            raise invalid_parameters(
                f"ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
            )
        if billing == "PROVISIONED":
            if pt is None:
                raise invalid_parameters(f"ProvisionedThroughput must be specified for index: {name}")
            check_throughput_bounds(pt)
            throughput = Throughput(read=int(pt["ReadCapacityUnits"]), write=int(pt["WriteCapacityUnits"]))
    hashes = [KeyAttribute(n, definitions[n]) for n in hash_names]
    ranges = [KeyAttribute(n, definitions[n]) for n in range_names]
    key_schema = KeySchema(hashes[0], ranges[0] if ranges else None, tuple(hashes[1:]), tuple(ranges[1:]))
    return IndexDescription(
        name=name,
        kind=kind,
        space=space,
        key_schema=key_schema,
        projection_type=projection_type,
        non_key_attributes=non_key,
        throughput=throughput,
        status=status,
    )


def _parse_projection(projection: dict[str, Any]) -> tuple[ProjectionType, tuple[str, ...]]:
    """An index's projection. [P] dynalite createTable tests for the first two rules; [V] AWS-verified error
    catalogue (2026-10-09) for INCLUDE without NonKeyAttributes and a repeated element."""
    projection_type = projection.get("ProjectionType")
    if projection_type is None:
        raise invalid_parameters("Unknown ProjectionType: null")
    non_key = projection.get("NonKeyAttributes")
    if non_key and projection_type != "INCLUDE":
        raise invalid_parameters(f"ProjectionType is {projection_type}, but NonKeyAttributes is specified")
    if projection_type == "INCLUDE" and not non_key:
        raise invalid_parameters("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    seen: set[str] = set()
    for attribute in non_key or ():
        if attribute in seen:
            raise invalid_parameters(f"Duplicate element in NonKeyAttributes: {attribute}")
        seen.add(attribute)
    return projection_type, tuple(non_key or ())


def check_definitions_used(definitions: dict[str, ScalarType], used: set[str]) -> None:
    """[V] AWS refuses attribute definitions no key schema uses."""
    if set(definitions) - used:
        raise invalid_parameters(
            "Some AttributeDefinitions are not used. "
            f"AttributeDefinitions: [{', '.join(definitions)}], keys used: [{', '.join(sorted(used))}]"
        )


def _check_key_members(request: dict[str, Any]) -> None:
    """A table needs AttributeDefinitions and KeySchema, which botocore's model stopped requiring (for
    GlobalTableSourceArn, which Nubis does not support), so the service checks them, in the front end's wording.

    [P] dynalite's AWS-checked createTable tests: "Value null at 'attributeDefinitions' ..." and "Value null at
    'keySchema' ...", before any other CreateTable rule, in dynalite's order (its check against AWS does not pin the
    order). They run after ``wire.validate``, so they are listed only once the request has no other constraint
    error, where AWS's front end listed them together with the others.
    """
    problems = [
        f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
        for member, path in (("AttributeDefinitions", "attributeDefinitions"), ("KeySchema", "keySchema"))
        if request.get(member) is None
    ]
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
        raise ValidationException(count + "; ".join(problems))


def table_from_create_request(
    request: dict[str, Any],
    *,
    region: str,
    account: str,
    space: int,
    table_id: str,
    now: float,
    next_space: Callable[[], int] | None = None,
) -> TableDescription:
    """Apply CreateTable's rules, in AWS's order ([P] dynalite createTable tests), to a shape-valid request."""
    _check_key_members(request)
    billing: BillingMode = request.get("BillingMode") or "PROVISIONED"
    throughput = _throughput_from(request, billing)
    check_table_class(request)
    definitions = parse_definitions(request["AttributeDefinitions"])
    key_schema = parse_key_schema(request["KeySchema"], definitions)
    lsis = request.get("LocalSecondaryIndexes")
    gsis = request.get("GlobalSecondaryIndexes")
    indexes: list[IndexDescription] = []
    if lsis is None and gsis is None:
        if len(request["KeySchema"]) != len(definitions):
            raise invalid_parameters(
                "Number of attributes in KeySchema does not exactly match number of attributes defined in "
                "AttributeDefinitions"
            )
    else:
        allocate = next_space or (lambda: 0)
        seen: set[str] = set()
        groups: tuple[tuple[IndexKind, Any, str], ...] = (
            ("LSI", lsis, "LocalSecondaryIndexes"),
            ("GSI", gsis, "GlobalSecondaryIndexes"),
        )
        for kind, specs, member in groups:
            if specs is None:
                continue
            if not specs:
                raise invalid_parameters(f"List of {member} is empty")
            if kind == "LSI" and key_schema.range is None:
                raise invalid_parameters(
                    "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
                )
            for spec in specs:
                index = parse_index(
                    spec,
                    kind,
                    definitions,
                    billing=billing,
                    space=0,
                    table_keys=key_schema,
                )
                if index.name in seen:
                    raise invalid_parameters(f"Duplicate index name: {index.name}")
                seen.add(index.name)
                indexes.append(index)
            if kind == "LSI" and len(specs) > limits.MAX_LSI_PER_TABLE:
                raise invalid_parameters("Number of LocalSecondaryIndexes exceeds per-table limit of 5")
            if kind == "GSI" and len(specs) > limits.MAX_GSI_PER_TABLE:
                raise invalid_parameters("GlobalSecondaryIndex count exceeds the per-table limit of 20")
        used = set(key_schema.names)
        for index in indexes:
            used.update(index.key_schema.names)
        check_definitions_used(definitions, used)
        indexes = [dataclasses.replace(i, space=allocate()) for i in indexes]
    extra: dict[str, Any] = {}
    sse = request.get("SSESpecification")
    if sse and sse.get("Enabled"):
        extra["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": sse.get("SSEType", "KMS"),
            "KMSMasterKeyArn": f"arn:aws:kms:{region}:{account}:key/nubis-managed",
        }
    stream = request.get("StreamSpecification")
    if stream and stream.get("StreamEnabled"):
        # TODO(#9): streams. Kept so DescribeTable shows the setting.
        extra["StreamSpecification"] = stream
    return TableDescription(
        name=request["TableName"],
        region=region,
        space=space,
        table_id=table_id,
        key_schema=key_schema,
        attribute_definitions=tuple(KeyAttribute(n, t) for n, t in definitions.items()),
        billing_mode=billing,
        throughput=throughput,
        created=now,
        status="ACTIVE",
        account=account,
        deletion_protection=bool(request.get("DeletionProtectionEnabled", False)),
        table_class=request.get("TableClass") or "STANDARD",
        extra=extra,
        indexes=tuple(indexes),
    )


TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")


def check_table_class(request: dict[str, Any]) -> None:
    """[V] AWS-verified error catalogue (2026-10-09): the service, not the front end, refuses an unknown TableClass
    (so ``wire.shapes`` leaves the enum out). Where this sits among the other checks is unverified."""
    table_class = request.get("TableClass")
    if table_class is not None and table_class not in TABLE_CLASSES:
        raise ValidationException(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: "
            f"[{', '.join(TABLE_CLASSES)}]."
        )


_UPDATE_MEMBERS = (
    ("ProvisionedThroughput", "ProvisionedThroughput"),
    ("BillingMode", "BillingMode"),
    ("UpdateStreamEnabled", "StreamSpecification"),
    ("GlobalSecondaryIndexUpdates", "GlobalSecondaryIndexUpdates"),
    ("SSESpecification", "SSESpecification"),
    ("ReplicaUpdates", "ReplicaUpdates"),
    ("MultiAccountReplicaReady", None),
    ("ReplicaTransitRoleArn", None),
    ("MultiRegionConsistency", None),
    ("DeletionProtectionEnabled", "DeletionProtectionEnabled"),
    ("OnDemandThroughput", "OnDemandThroughput"),
    ("WarmThroughput", "WarmThroughput"),
    ("TableClass", "TableClass"),
)
"""The members AWS's "At least one of ... is required" names, in its order, each with the request member that counts
as a change (None: naming it alone changes nothing). [V] AWS-verified error catalogue (2026-10-09, live in two
regions): AttributeDefinitions or MultiRegionConsistency alone get the error, and the message leaves out members
the request already holds (MultiRegionConsistency); three names are not public members."""


def _given(request: dict[str, Any], member: str) -> bool:
    """[P] dynalite updateTable tests: an empty GlobalSecondaryIndexUpdates list counts as absent."""
    value = request.get(member)
    return value is not None and value != []


def check_update_request(request: dict[str, Any]) -> None:
    """UpdateTable's checks of the request alone, which AWS runs before it looks the table up ([P] dynalite
    updateTable validations: on a table that does not exist these errors win over ResourceNotFoundException).

    Raises:
        ValidationException: nothing to change, or a malformed ``GlobalSecondaryIndexUpdates`` entry.
    """
    if not any(_given(request, member) for _, member in _UPDATE_MEMBERS if member is not None):
        named = [name for name, member in _UPDATE_MEMBERS if not _given(request, member or name)]
        raise ValidationException(f"At least one of {', '.join(named[:-1])} or {named[-1]} is required")
    seen: set[str] = set()
    for update in request.get("GlobalSecondaryIndexUpdates") or ():
        actions = [update[a] for a in ("Update", "Create", "Delete") if update.get(a) is not None]
        if not actions:  # [P] dynalite updateTable tests
            raise invalid_parameters(
                "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if len(actions) > 1:  # [V] AWS-verified error catalogue (2026-10-09); its place in the order is unverified
            raise invalid_parameters(
                "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"
            )
        name = actions[0]["IndexName"]
        if name in seen:  # [P] dynalite updateTable tests
            raise invalid_parameters(
                f"Only one global secondary index update per index is allowed simultaneously. Index: {name}"
            )
        seen.add(name)
    check_table_class(request)


def table_after_update(table: TableDescription, request: dict[str, Any], *, now: float) -> TableDescription:
    """UpdateTable's billing-mode, throughput and deletion-protection rules ([P] dynalite updateTable tests), for a
    request that passed ``check_update_request``."""
    billing: BillingMode = request.get("BillingMode") or table.billing_mode
    throughput = table.throughput
    billing_updated = table.billing_mode_updated
    pt = request.get("ProvisionedThroughput")
    if billing == "PAY_PER_REQUEST":
        if pt is not None:
            raise invalid_parameters(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
        if table.billing_mode != "PAY_PER_REQUEST":
            throughput = Throughput(decreases_today=throughput.decreases_today)
            billing_updated = now
    else:
        if pt is None:
            if table.billing_mode == "PAY_PER_REQUEST":
                raise invalid_parameters("ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
        else:
            check_throughput_bounds(pt)
            read, write = int(pt["ReadCapacityUnits"]), int(pt["WriteCapacityUnits"])
            if table.billing_mode == "PROVISIONED" and read == throughput.read and write == throughput.write:
                raise invalid_parameters(
                    "The provisioned throughput for the table will not change. The requested value equals the "
                    f"current value. Current ReadCapacityUnits provisioned for the table: {throughput.read}. "
                    f"Requested ReadCapacityUnits: {read}. Current WriteCapacityUnits provisioned for the table: "
                    f"{throughput.write}. Requested WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB "
                    "Developer Guide for current limits and how to request higher limits."
                )
            if read > limits.TABLE_MAX_READ_CAPACITY or write > limits.TABLE_MAX_WRITE_CAPACITY:
                raise LimitExceededException(
                    "Subscriber limit exceeded: Provisioned throughput can not exceed the table level limit"
                )
            increased = read > throughput.read or write > throughput.write
            decreased = read < throughput.read or write < throughput.write
            throughput = Throughput(
                read=read,
                write=write,
                last_increase=now if increased else throughput.last_increase,
                last_decrease=now if decreased else throughput.last_decrease,
                decreases_today=throughput.decreases_today + (1 if decreased else 0),
            )
    return dataclasses.replace(
        table,
        billing_mode=billing,
        throughput=throughput,
        billing_mode_updated=billing_updated,
        deletion_protection=bool(request.get("DeletionProtectionEnabled", table.deletion_protection)),
        table_class=request.get("TableClass") or table.table_class,
    )


def _existing_gsi(table: TableDescription, name: str, action: Literal["delete", "update"]) -> IndexDescription:
    """The GSI an Update or Delete names. [V] AWS-verified error catalogues (2026-10-09): an unknown name is
    ResourceNotFoundException (live, "Index <name>" without a colon); an LSI's name gets "Cannot delete an index
    that is not a GlobalSecondaryIndex: <name>", and "Cannot update an index ..." for an Update (the catalogue
    abbreviates that one; its ending is inferred from the delete text)."""
    index = table.index(name)
    if index is None:
        raise ResourceNotFoundException(f"Requested resource not found: Index {name} for table {table.name}")
    if index.kind != "GSI":
        raise ValidationException(f"Cannot {action} an index that is not a GlobalSecondaryIndex: {name}")
    return index


def apply_index_updates(
    table: TableDescription, request: dict[str, Any], next_space: Callable[[], int]
) -> tuple[TableDescription, list[IndexDescription]]:
    """UpdateTable's ``GlobalSecondaryIndexUpdates``: returns the new table and the indexes it deletes.

    A created index starts ``CREATING`` with ``backfilling`` set; the engine backfills it and then marks it
    ``ACTIVE`` ([D] "Adding a global secondary index to an existing table").
    """
    updates = request.get("GlobalSecondaryIndexUpdates") or []
    creates = [u["Create"] for u in updates if u.get("Create")]
    deletes = [u["Delete"] for u in updates if u.get("Delete")]
    changes = [u["Update"] for u in updates if u.get("Update")]
    if len(creates) + len(deletes) > 1:
        raise LimitExceededException(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
        )
    if (creates or deletes) and any(i.status in ("CREATING", "DELETING") for i in table.indexes):
        raise LimitExceededException(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
        )
    indexes = list(table.indexes)
    definitions: dict[str, ScalarType] = {a.name: a.type for a in table.attribute_definitions}
    for d in request.get("AttributeDefinitions") or []:
        if d["AttributeName"] in definitions and definitions[d["AttributeName"]] != d["AttributeType"]:
            raise invalid_parameters(f"Cannot change the type of an existing key attribute: {d['AttributeName']}")
        definitions[d["AttributeName"]] = d["AttributeType"]
    dropped: list[IndexDescription] = []
    for spec in creates:
        name = spec["IndexName"]
        if not request.get("AttributeDefinitions"):  # [V] AWS-verified error catalogue (2026-10-09)
            raise invalid_parameters(f"AttributeDefinitions is not specified for index: {name}")
        if table.index(name) is not None:  # [V] idem, no prefix and no name; [L] an LSI's name too
            raise ValidationException("Attempting to create an index which already exists")
        if sum(1 for i in indexes if i.kind == "GSI") >= limits.MAX_GSI_PER_TABLE:
            raise LimitExceededException(
                "Subscriber limit exceeded: GlobalSecondaryIndex count exceeds the per-table limit of 20"
            )
        index = parse_index(
            spec,
            "GSI",
            definitions,
            billing=table.billing_mode,
            space=next_space(),
            table_keys=table.key_schema,
            status="CREATING",
        )
        indexes.append(dataclasses.replace(index, backfilling=True))
    for spec in deletes:
        gone = _existing_gsi(table, spec["IndexName"], "delete")
        indexes.remove(gone)
        dropped.append(gone)
    for spec in changes:
        current = _existing_gsi(table, spec["IndexName"], "update")
        pt = spec.get("ProvisionedThroughput")
        if table.billing_mode == "PAY_PER_REQUEST":
            # [V] AWS-verified error catalogue (2026-10-09); "The only Updates ..." was seen live for an Update
            # naming only the index, or with an empty OnDemandThroughput. OnDemandThroughput and WarmThroughput
            # themselves are accepted and not modelled.
            if pt is not None:
                raise invalid_parameters(
                    f"Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: {current.name} "
                    "when BillingMode is PAY_PER_REQUEST"
                )
            if not spec.get("OnDemandThroughput") and not spec.get("WarmThroughput"):
                raise invalid_parameters(
                    f"The only Updates for index: {current.name} when TableThroughputMode is PAY_PER_REQUEST can be "
                    "to OnDemandThroughput, WarmThroughput"
                )
            continue
        if pt is None:
            continue  # [?] an OnDemandThroughput or WarmThroughput update on a provisioned table: not modelled
        check_throughput_bounds(pt)
        updated = dataclasses.replace(
            current, throughput=Throughput(read=int(pt["ReadCapacityUnits"]), write=int(pt["WriteCapacityUnits"]))
        )
        indexes[indexes.index(current)] = updated
    used = set(table.key_schema.names)
    for index in indexes:
        used.update(index.key_schema.names)
    kept = tuple(KeyAttribute(n, t) for n, t in definitions.items() if n in used)
    return dataclasses.replace(table, indexes=tuple(indexes), attribute_definitions=kept), dropped
