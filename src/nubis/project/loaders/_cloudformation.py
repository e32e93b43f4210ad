"""CloudFormation evaluation shared by the SAM loader and serverless.yml's ``resources``.

What it owns: parameters (defaults, overrides, AllowedValues), pseudo parameters, ``Conditions``, ``Mappings``, the
intrinsic functions (``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` in both forms, ``Fn::Join``, ``Fn::If``, ``Fn::Select``,
``Fn::Split``, ``Fn::FindInMap``, ``Fn::Equals/And/Or/Not``, ``Fn::Base64``, ``Fn::GetAZs``,
``Fn::Transform AWS::Include`` of a local file) and what ``Ref``/``GetAtt`` return for each resource type (a table's
name and ARN, a function's name and ARN, an API's id). ``Fn::ImportValue`` is refused: it reads another deployed
stack's exports, which a single local project does not have.

Why lazily: a resource's physical name can itself use intrinsics (``TableName: !Sub "${AWS::StackName}-notes"``) and
other resources refer to it, so names are resolved on first use with a cycle check rather than in a fixed order.

It also translates ``AWS::DynamoDB::Table`` and ``AWS::Serverless::SimpleTable`` properties to a CreateTable request
in DynamoDB's wire shape (``table_def``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nubis.project._source import Document, read_document
from nubis.project.errors import ProjectError
from nubis.project.loaders._read import At, as_bool, as_int, as_list, as_map, as_str, type_name
from nubis.project.model import TableDef, api_id_for

__all__ = ["NO_VALUE", "ResourceRef", "StackContext", "Template", "table_def"]


class _NoValue:
    """``Ref: AWS::NoValue``: the key or item holding it disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")

API_TYPES = frozenset(
    {"AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"}
)
FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
TABLE_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"})


@dataclass(frozen=True, slots=True)
class StackContext:
    """The pseudo parameters' values (``AWS::StackName``, ``AWS::Region``, ``AWS::AccountId``...)."""

    stack_name: str
    region: str = "us-east-1"
    account_id: str = "000000000000"
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
                "00000000-0000-0000-0000-000000000000"
            ),
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }


@dataclass(slots=True)
class ResourceRef:
    """What ``Ref`` and ``Fn::GetAtt`` return for a logical id the template does not declare itself
    (SAM's implicit ``ServerlessRestApi``, serverless' ``HelloLambdaFunction``)."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


class Template:
    """Evaluates one CloudFormation template (or serverless.yml's ``resources`` section).

    Args:
        doc: the document, for error locations.
        root: the key path of the template inside the document (``("resources",)`` for serverless.yml).
        data: the template mapping (Parameters, Conditions, Mappings, Resources, Outputs).
        context: pseudo parameter values.
        overrides: parameter values given by the user (``--parameter-overrides``).
        extra: logical ids resolvable besides the template's own resources.
        base: folder that ``AWS::Include`` locations and ``DefinitionUri`` are relative to.
    """

    def __init__(
        self,
        doc: Document,
        root: tuple[str | int, ...],
        data: Mapping[str, Any],
        context: StackContext,
        overrides: Mapping[str, str] | None = None,
        extra: Mapping[str, ResourceRef] | None = None,
        base: Path | None = None,
    ) -> None:
        self.doc = doc
        self.root = At(doc, root)
        self.data = data
        self.context = context
        self.base = base
        self.extra: dict[str, ResourceRef] = dict(extra or {})
        self.resources: Mapping[str, Any] = as_map(self.root / "Resources", data.get("Resources"), "Resources")
        self.mappings = as_map(self.root / "Mappings", data.get("Mappings"), "Mappings")
        self._conditions_raw = as_map(self.root / "Conditions", data.get("Conditions"), "Conditions")
        self._conditions: dict[str, bool] = {}
        self._physical: dict[str, Any] = {}
        self._in_progress: list[str] = []
        self.parameters = self._parameters(overrides or {})
        self._pseudo = context.pseudo()

    # -- parameters and conditions -------------------------------------------------------------------------------

    def _parameters(self, overrides: Mapping[str, str]) -> dict[str, Any]:
        at = self.root / "Parameters"
        declared = as_map(at, self.data.get("Parameters"), "Parameters")
        for name in overrides:
            if name not in declared:
                raise ProjectError(
                    "unknown-parameter",
                    f"parameter override {name!r} is not declared in Parameters",
                    file=self.doc.file,
                )
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            p_at = at / name
            spec = as_map(p_at, spec, f"parameter {name}")
            if name in overrides:
                raw: Any = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise p_at.error(
                    "missing-parameter", f"parameter {name} has no Default; pass a value for it (parameter overrides)"
                )
            ptype = str(spec.get("Type", "String"))
            if ptype == "CommaDelimitedList" or (ptype.startswith("List<") and isinstance(raw, str)):
                value: Any = [item.strip() for item in str(raw).split(",")] if raw != "" else []
            elif isinstance(raw, list):
                value = [str(item) for item in raw]
            else:
                value = "" if raw is None else str(raw).lower() if isinstance(raw, bool) else str(raw)
            allowed = spec.get("AllowedValues")
            if isinstance(allowed, list) and isinstance(value, str) and value not in [str(a) for a in allowed]:
                raise p_at.error("bad-parameter", f"parameter {name} is {value!r}, not one of AllowedValues {allowed}")
            if ptype == "Number" and isinstance(value, str):
                try:
                    float(value)
                except ValueError:
                    raise p_at.error("bad-parameter", f"parameter {name} must be a Number, not {value!r}") from None
            values[name] = value
        return values

    def condition(self, name: str, at: At) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        if name not in self._conditions_raw:
            raise at.error("unknown-reference", f"condition {name!r} is not declared in Conditions")
        key = f"Condition:{name}"
        if key in self._in_progress:
            raise at.error("reference-cycle", f"condition cycle: {' -> '.join([*self._in_progress, key])}")
        self._in_progress.append(key)
        try:
            value = self._condition_value(self._conditions_raw[name], self.root / "Conditions" / name)
        finally:
            self._in_progress.pop()
        self._conditions[name] = value
        return value

    def _condition_value(self, value: Any, at: At) -> bool:
        if isinstance(value, Mapping) and len(value) == 1 and "Condition" in value:
            return self.condition(as_str(at / "Condition", value["Condition"], "Condition"), at)
        result = self.resolve(value, at)
        if not isinstance(result, bool):
            raise at.error("bad-type", f"a condition must evaluate to true or false, not {type_name(result)}")
        return result

    def resource_enabled(self, logical_id: str) -> bool:
        """False for a resource whose ``Condition`` is false (CloudFormation does not create it)."""
        spec = self.resources.get(logical_id)
        if not isinstance(spec, Mapping) or "Condition" not in spec:
            return True
        at = self.root / "Resources" / logical_id / "Condition"
        return self.condition(as_str(at, spec["Condition"], "Condition"), at)

    # -- physical ids ---------------------------------------------------------------------------------------------

    def resource_type(self, logical_id: str) -> str | None:
        spec = self.resources.get(logical_id)
        return str(spec.get("Type")) if isinstance(spec, Mapping) else None

    def physical_id(self, logical_id: str, at: At) -> Any:
        """What ``Ref: logical_id`` returns."""
        if logical_id in self.extra:
            return self.extra[logical_id].ref
        if logical_id in self._physical:
            return self._physical[logical_id]
        rtype = self.resource_type(logical_id)
        if rtype is None:
            raise at.error("unknown-reference", f"Ref to {logical_id!r}, which is not a parameter or a resource")
        if logical_id in self._in_progress:
            raise at.error("reference-cycle", f"reference cycle: {' -> '.join([*self._in_progress, logical_id])}")
        self._in_progress.append(logical_id)
        try:
            value = self._compute_physical(logical_id, rtype)
        finally:
            self._in_progress.pop()
        self._physical[logical_id] = value
        return value

    def _named(self, logical_id: str, prop: str) -> str | None:
        spec = self.resources[logical_id]
        props = spec.get("Properties") if isinstance(spec, Mapping) else None
        if not isinstance(props, Mapping) or prop not in props:
            return None
        at = self.root / "Resources" / logical_id / "Properties" / prop
        return as_str(at, self.resolve(props[prop], at), prop)

    def _compute_physical(self, logical_id: str, rtype: str) -> Any:
        stack = self.context.stack_name
        if rtype in TABLE_TYPES:
            return self._named(logical_id, "TableName") or f"{stack}-{logical_id}"
        if rtype in FUNCTION_TYPES:
            return self._named(logical_id, "FunctionName") or f"{stack}-{logical_id}"
        if rtype in API_TYPES:
            return api_id_for(stack, logical_id)
        if rtype in ("AWS::SQS::Queue",):
            name = self._named(logical_id, "QueueName") or f"{stack}-{logical_id}"
            return f"https://sqs.{self.context.region}.{self.context.url_suffix}/{self.context.account_id}/{name}"
        return logical_id

    def attribute(self, logical_id: str, attribute: str, at: At) -> Any:
        """What ``Fn::GetAtt: [logical_id, attribute]`` returns."""
        if logical_id in self.extra:
            extra = self.extra[logical_id]
            if attribute not in extra.attributes:
                raise at.error("unknown-reference", f"{logical_id} has no attribute {attribute!r} here")
            return extra.attributes[attribute]
        ref = self.physical_id(logical_id, at)
        rtype = self.resource_type(logical_id) or ""
        c = self.context
        if rtype in TABLE_TYPES:
            arn = f"arn:{c.partition}:dynamodb:{c.region}:{c.account_id}:table/{ref}"
            if attribute == "Arn":
                return arn
            if attribute == "StreamArn":
                return f"{arn}/stream/1970-01-01T00:00:00.000"
        elif rtype in FUNCTION_TYPES:
            if attribute == "Arn":
                return f"arn:{c.partition}:lambda:{c.region}:{c.account_id}:function:{ref}"
        elif rtype in API_TYPES:
            if attribute == "RootResourceId":
                return f"{ref}-root"[:10]
            if attribute == "ApiEndpoint":
                return f"https://{ref}.execute-api.{c.region}.{c.url_suffix}"
            if attribute == "ApiId":
                return ref
        else:
            service = rtype.split("::")[1].lower() if rtype.count("::") == 2 else "cloudformation"
            if attribute == "Arn":
                return f"arn:{c.partition}:{service}:{c.region}:{c.account_id}:{ref}"
            return f"{ref}.{attribute}"
        raise at.error("unknown-reference", f"{rtype} {logical_id} has no attribute {attribute!r} that Nubis knows")

    # -- intrinsics -----------------------------------------------------------------------------------------------

    def resolve(self, value: Any, at: At) -> Any:
        """Evaluates every intrinsic function in ``value``; ``AWS::NoValue`` entries are dropped."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    handler = _INTRINSICS.get(key)
                    if handler is not None:
                        return handler(self, arg, at / key)
                    if key.startswith("Fn::"):
                        raise (at / key).error("unsupported", f"intrinsic function {key} is not supported")
            out: dict[str, Any] = {}
            for k, v in value.items():
                resolved = self.resolve(v, at / k)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            items = [self.resolve(v, at / i) for i, v in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def _ref(self, arg: Any, at: At) -> Any:
        name = as_str(at, self.resolve(arg, at), "Ref")
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical_id(name, at)

    def _get_att(self, arg: Any, at: At) -> Any:
        arg = self.resolve(arg, at)
        if isinstance(arg, str):
            logical, _, attribute = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            logical, attribute = as_str(at / 0, arg[0]), as_str(at / 1, arg[1])
        else:
            raise at.error("bad-intrinsic", "Fn::GetAtt takes [LogicalId, Attribute] or 'LogicalId.Attribute'")
        if not attribute:
            raise at.error("bad-intrinsic", f"Fn::GetAtt {logical!r} names no attribute")
        return self.attribute(logical, attribute, at)

    def _sub(self, arg: Any, at: At) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2:
                raise at.error("bad-intrinsic", "Fn::Sub takes a string or [string, {variables}]")
            text = as_str(at / 0, arg[0], "Fn::Sub template")
            variables = dict(as_map(at / 1, self.resolve(arg[1], at / 1), "Fn::Sub variables"))
        else:
            text = as_str(at, arg, "Fn::Sub template")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                logical, _, attribute = name.partition(".")
                value = self.attribute(logical, attribute, at)
            else:
                value = self._ref(name, at)
            if isinstance(value, list | Mapping) or value is NO_VALUE:
                raise at.error("bad-intrinsic", f"Fn::Sub variable ${{{name}}} is not a string")
            return str(value).lower() if isinstance(value, bool) else str(value)

        return _SUB_VAR.sub(replace, text)

    def _join(self, arg: Any, at: At) -> Any:
        arg = self.resolve(arg, at)
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
            raise at.error("bad-intrinsic", "Fn::Join takes [delimiter, [values]]")
        delimiter = as_str(at / 0, arg[0], "delimiter")
        return delimiter.join(_scalar_text(at / 1 / i, v) for i, v in enumerate(arg[1]))

    def _select(self, arg: Any, at: At) -> Any:
        arg = self.resolve(arg, at)
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("bad-intrinsic", "Fn::Select takes [index, [values]]")
        index = as_int(at / 0, arg[0], "index")
        items = as_list(at / 1, arg[1], "Fn::Select list")
        if not 0 <= index < len(items):
            raise at.error("bad-intrinsic", f"Fn::Select index {index} is out of range for {len(items)} values")
        return items[index]

    def _split(self, arg: Any, at: At) -> Any:
        arg = self.resolve(arg, at)
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("bad-intrinsic", "Fn::Split takes [delimiter, string]")
        return as_str(at / 1, arg[1], "Fn::Split source").split(as_str(at / 0, arg[0], "delimiter"))

    def _if(self, arg: Any, at: At) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise at.error("bad-intrinsic", "Fn::If takes [condition, value_if_true, value_if_false]")
        name = as_str(at / 0, arg[0], "condition name")
        return self.resolve(arg[1], at / 1) if self.condition(name, at / 0) else self.resolve(arg[2], at / 2)

    def _find_in_map(self, arg: Any, at: At) -> Any:
        arg = self.resolve(arg, at)
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            raise at.error("bad-intrinsic", "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        map_name, top, second = (_scalar_text(at / i, arg[i]) for i in range(3))
        default = arg[3].get("DefaultValue", NO_VALUE) if len(arg) == 4 and isinstance(arg[3], Mapping) else NO_VALUE
        mapping = self.mappings.get(map_name)
        if not isinstance(mapping, Mapping):
            raise at.error("unknown-reference", f"Fn::FindInMap: no mapping {map_name!r} in Mappings")
        level = mapping.get(top)
        if isinstance(level, Mapping) and second in level:
            return self.resolve(level[second], self.root / "Mappings" / map_name / top / second)
        if default is not NO_VALUE:
            return default
        raise at.error("unknown-reference", f"Fn::FindInMap: {map_name} has no {top}.{second}")

    def _equals(self, arg: Any, at: At) -> Any:
        arg = self.resolve(arg, at)
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("bad-intrinsic", "Fn::Equals takes [value1, value2]")
        return _comparable(arg[0]) == _comparable(arg[1])

    def _bool_args(self, arg: Any, at: At, fn: str, lo: int, hi: int) -> list[bool]:
        if not isinstance(arg, list) or not lo <= len(arg) <= hi:
            raise at.error("bad-intrinsic", f"{fn} takes a list of {lo} to {hi} conditions")
        return [self._condition_value(item, at / i) for i, item in enumerate(arg)]

    def _and(self, arg: Any, at: At) -> Any:
        return all(self._bool_args(arg, at, "Fn::And", 2, 10))

    def _or(self, arg: Any, at: At) -> Any:
        return any(self._bool_args(arg, at, "Fn::Or", 2, 10))

    def _not(self, arg: Any, at: At) -> Any:
        return not self._bool_args(arg, at, "Fn::Not", 1, 1)[0]

    def _condition_fn(self, arg: Any, at: At) -> Any:
        return self.condition(as_str(at, arg, "Condition"), at)

    def _base64(self, arg: Any, at: At) -> Any:
        text = as_str(at, self.resolve(arg, at), "Fn::Base64 value")
        return base64.b64encode(text.encode()).decode()

    def _get_azs(self, arg: Any, at: At) -> Any:
        region = self.resolve(arg, at) or self.context.region
        return [f"{region}{zone}" for zone in "abc"]

    def _import_value(self, arg: Any, at: At) -> Any:
        raise at.error(
            "unsupported-import-value",
            "Fn::ImportValue reads another deployed stack's exports, which a local project does not have; "
            "use a Parameter (with a Default) instead",
        )

    def _transform(self, arg: Any, at: At) -> Any:
        spec = as_map(at, arg, "Fn::Transform")
        if spec.get("Name") != "AWS::Include":
            raise at.error("unsupported", f"Fn::Transform {spec.get('Name')!r} is not supported (only AWS::Include)")
        params = as_map(at / "Parameters", self.resolve(spec.get("Parameters"), at / "Parameters"), "Parameters")
        location = as_str(at / "Parameters" / "Location", params.get("Location"), "Location")
        document = self.include(location, at / "Parameters" / "Location")
        # The snippet is inserted, then processed like the rest of the template: intrinsics inside it (an
        # integration uri written with Fn::Sub) resolve [D CloudFormation "AWS::Include transform"].
        return self.resolve(document.data, At(document))

    def include(self, location: str, at: At) -> Document:
        """Reads a local file named by ``AWS::Include`` or ``DefinitionUri`` (S3 locations are refused)."""
        if location.startswith("s3://") or "://" in location:
            raise at.error("unsupported", f"{location!r} is not a local file; Nubis reads definitions from disk")
        base = self.base or (self.doc.path.parent if self.doc.path else Path.cwd())
        target = (base / location).resolve()
        if not target.is_file():
            raise at.error("file-not-found", f"{location!r} does not exist (looked for {target})")
        return read_document(target, base)


def _scalar_text(at: At, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_str(at, value)


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


_INTRINSICS: dict[str, Callable[[Template, Any, At], Any]] = {
    "Ref": Template._ref,
    "Fn::GetAtt": Template._get_att,
    "Fn::Sub": Template._sub,
    "Fn::Join": Template._join,
    "Fn::Select": Template._select,
    "Fn::Split": Template._split,
    "Fn::If": Template._if,
    "Fn::FindInMap": Template._find_in_map,
    "Fn::Equals": Template._equals,
    "Fn::And": Template._and,
    "Fn::Or": Template._or,
    "Fn::Not": Template._not,
    "Fn::Base64": Template._base64,
    "Fn::GetAZs": Template._get_azs,
    "Fn::ImportValue": Template._import_value,
    "Fn::Transform": Template._transform,
}

# -- DynamoDB tables ------------------------------------------------------------------------------------------------

_TABLE_IGNORED = (
    "PointInTimeRecoverySpecification",
    "ContributorInsightsSpecification",
    "KinesisStreamSpecification",
    "ImportSourceSpecification",
    "ResourcePolicy",
    "OnDemandThroughput",
    "WarmThroughput",
)


def _throughput(at: At, value: Any) -> dict[str, int]:
    spec = as_map(at, value, "ProvisionedThroughput")
    return {
        "ReadCapacityUnits": as_int(at / "ReadCapacityUnits", spec.get("ReadCapacityUnits"), "ReadCapacityUnits"),
        "WriteCapacityUnits": as_int(at / "WriteCapacityUnits", spec.get("WriteCapacityUnits"), "WriteCapacityUnits"),
    }


def _key_schema(at: At, value: Any) -> list[dict[str, str]]:
    out = []
    for i, element in enumerate(as_list(at, value, "KeySchema")):
        e_at = at / i
        element = as_map(e_at, element, "KeySchema element")
        out.append(
            {
                "AttributeName": as_str(e_at / "AttributeName", element.get("AttributeName"), "AttributeName"),
                "KeyType": as_str(e_at / "KeyType", element.get("KeyType"), "KeyType"),
            }
        )
    return out


def _projection(at: At, value: Any) -> dict[str, Any]:
    spec = as_map(at, value, "Projection")
    out: dict[str, Any] = {"ProjectionType": as_str(at, spec.get("ProjectionType", "ALL"), "ProjectionType")}
    if "NonKeyAttributes" in spec:
        out["NonKeyAttributes"] = [
            as_str(at / "NonKeyAttributes" / i, v) for i, v in enumerate(spec["NonKeyAttributes"])
        ]
    return out


def table_def(
    logical_id: str, rtype: str, props: Mapping[str, Any], name: str, at: At, warn: Callable[[str], None]
) -> TableDef:
    """Translates resolved table properties to a ``TableDef`` (CreateTable request in wire shape).

    Args:
        logical_id: the resource's logical id.
        rtype: ``AWS::DynamoDB::Table`` or ``AWS::Serverless::SimpleTable``.
        props: the resolved ``Properties``.
        name: the physical table name (``TableName`` or the generated one).
        at: the location of ``Properties``, for errors.
        warn: receives a message for each property read but not applied.
    """
    request: dict[str, Any] = {"TableName": name}
    ttl: dict[str, Any] | None = None
    if rtype == "AWS::Serverless::SimpleTable":
        # SAM: PrimaryKey defaults to {Name: id, Type: String}; no ProvisionedThroughput → on-demand [D SAMDG].
        pk = as_map(at / "PrimaryKey", props.get("PrimaryKey"), "PrimaryKey")
        pk_name = as_str(at / "PrimaryKey" / "Name", pk.get("Name", "id"), "PrimaryKey.Name")
        pk_type = as_str(at / "PrimaryKey" / "Type", pk.get("Type", "String"), "PrimaryKey.Type")
        wire_type = {"String": "S", "Number": "N", "Binary": "B"}.get(pk_type)
        if wire_type is None:
            raise (at / "PrimaryKey" / "Type").error(
                "bad-value", f"PrimaryKey.Type {pk_type!r} must be String, Number or Binary"
            )
        request["AttributeDefinitions"] = [{"AttributeName": pk_name, "AttributeType": wire_type}]
        request["KeySchema"] = [{"AttributeName": pk_name, "KeyType": "HASH"}]
        if "ProvisionedThroughput" in props:
            request["BillingMode"] = "PROVISIONED"
            request["ProvisionedThroughput"] = _throughput(at / "ProvisionedThroughput", props["ProvisionedThroughput"])
        else:
            request["BillingMode"] = "PAY_PER_REQUEST"
    else:
        defs = []
        for i, item in enumerate(
            as_list(at / "AttributeDefinitions", props.get("AttributeDefinitions"), "AttributeDefinitions")
        ):
            i_at = at / "AttributeDefinitions" / i
            item = as_map(i_at, item, "attribute definition")
            defs.append(
                {
                    "AttributeName": as_str(i_at / "AttributeName", item.get("AttributeName"), "AttributeName"),
                    "AttributeType": as_str(i_at / "AttributeType", item.get("AttributeType"), "AttributeType"),
                }
            )
        if "KeySchema" not in props:
            raise at.error("missing-key", "KeySchema is required")
        request["AttributeDefinitions"] = defs
        request["KeySchema"] = _key_schema(at / "KeySchema", props.get("KeySchema"))
        mode = as_str(at / "BillingMode", props.get("BillingMode", "PROVISIONED"), "BillingMode")
        request["BillingMode"] = mode
        if "ProvisionedThroughput" in props and mode == "PROVISIONED":
            request["ProvisionedThroughput"] = _throughput(at / "ProvisionedThroughput", props["ProvisionedThroughput"])
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if kind not in props:
                continue
            indexes = []
            for i, index in enumerate(as_list(at / kind, props[kind], kind)):
                x_at = at / kind / i
                index = as_map(x_at, index, "index")
                entry: dict[str, Any] = {
                    "IndexName": as_str(x_at / "IndexName", index.get("IndexName"), "IndexName"),
                    "KeySchema": _key_schema(x_at / "KeySchema", index.get("KeySchema")),
                    "Projection": _projection(x_at / "Projection", index.get("Projection")),
                }
                if kind == "GlobalSecondaryIndexes" and mode == "PROVISIONED":
                    if "ProvisionedThroughput" not in index:
                        raise x_at.error("missing-key", "a GSI of a PROVISIONED table needs ProvisionedThroughput")
                    entry["ProvisionedThroughput"] = _throughput(
                        x_at / "ProvisionedThroughput", index["ProvisionedThroughput"]
                    )
                indexes.append(entry)
            request[kind] = indexes
        if "StreamSpecification" in props:
            s_at = at / "StreamSpecification"
            spec = as_map(s_at, props["StreamSpecification"], "StreamSpecification")
            view = as_str(s_at / "StreamViewType", spec.get("StreamViewType"), "StreamViewType")
            if view not in ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
                raise (s_at / "StreamViewType").error(
                    "bad-value", f"StreamViewType {view!r} is not a DynamoDB view type"
                )
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        if "TimeToLiveSpecification" in props:
            t_at = at / "TimeToLiveSpecification"
            spec = as_map(t_at, props["TimeToLiveSpecification"], "TimeToLiveSpecification")
            ttl = {
                "AttributeName": as_str(t_at / "AttributeName", spec.get("AttributeName"), "AttributeName"),
                "Enabled": as_bool(t_at / "Enabled", spec.get("Enabled", True), "Enabled"),
            }
        if "TableClass" in props:
            request["TableClass"] = as_str(at / "TableClass", props["TableClass"], "TableClass")
        if "DeletionProtectionEnabled" in props:
            request["DeletionProtectionEnabled"] = as_bool(
                at / "DeletionProtectionEnabled", props["DeletionProtectionEnabled"], "DeletionProtectionEnabled"
            )
        for key in _TABLE_IGNORED:
            if key in props:
                warn(f"{at.doc.file}: {logical_id}: {key} is read but not applied locally")
    if "SSESpecification" in props:
        s_at = at / "SSESpecification"
        spec = as_map(s_at, props["SSESpecification"], "SSESpecification")
        sse: dict[str, Any] = {"Enabled": as_bool(s_at / "SSEEnabled", spec.get("SSEEnabled", False), "SSEEnabled")}
        if "SSEType" in spec:
            sse["SSEType"] = as_str(s_at / "SSEType", spec["SSEType"], "SSEType")
        if "KMSMasterKeyId" in spec:
            sse["KMSMasterKeyId"] = as_str(s_at / "KMSMasterKeyId", spec["KMSMasterKeyId"], "KMSMasterKeyId")
        request["SSESpecification"] = sse
    if "Tags" in props:
        tags_value = props["Tags"]
        if isinstance(tags_value, Mapping):  # SimpleTable: a map
            request["Tags"] = [{"Key": str(k), "Value": str(v)} for k, v in tags_value.items()]
        else:
            request["Tags"] = [
                {
                    "Key": str(as_map(at / "Tags" / i, t).get("Key")),
                    "Value": str(as_map(at / "Tags" / i, t).get("Value")),
                }
                for i, t in enumerate(as_list(at / "Tags", tags_value, "Tags"))
            ]
    with at.located():
        return TableDef(logical_id=logical_id, create_table=request, time_to_live=ttl)
