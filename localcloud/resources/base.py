"""The contract of a resource provider, modelled on LocalStack's CloudFormation resource providers.

One small class per resource type: its `TYPE`, a `SUMMARY` (what `--list-types` prints), its
properties as a `TypedDict` given as the type argument (`ResourceProvider[QueueProperties]`) and
`create`. The TypedDict is the list of properties the provider handles: a property the template sets
and the TypedDict does not declare stops the start (a template change the local cloud would silently
drop is noticed), and a `Required[...]` one must be set. A provider of `dict[str, Any]` takes any
property (custom resources). There is no `delete`: the local cloud lives as long as its process.

Modules that declare these TypedDicts do without `from __future__ import annotations`: Python 3.11
does not see `Required` in string annotations (checked when the provider class is defined).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, ForwardRef, Generic, TypeVar, get_args, get_origin, is_typeddict

from localcloud.records import DeployedResource, DeployError
from localcloud.resources.deployment import Deployment
from localcloud.resources.shapes import physical_name

P = TypeVar("P", bound=Mapping[str, Any])


@dataclass(frozen=True)
class ResourceRequest(Generic[P]):
    """One resource to create: its resolved properties, where it goes and the deployment it joins."""

    properties: P
    logical_id: str
    type: str
    stack: str
    region: str
    stack_id: str
    deployment: Deployment

    def client(self, service: str) -> Any:
        return self.deployment.client(service, self.region)

    def arn(self, service: str, resource: str) -> str:
        return self.deployment.arn(service, self.region, resource)

    def physical_name(self, *, max_length: int = 64, lower: bool = False) -> str:
        return physical_name(self.stack, self.logical_id, max_length=max_length, lower=lower)

    def resource(self, physical_id: str, attributes: Mapping[str, Any] | None = None) -> DeployedResource:
        """The result: `Ref` gives `physical_id`, `Fn::GetAtt` the `attributes`."""
        return DeployedResource(self.logical_id, self.type, physical_id, dict(attributes or {}))


class ResourceProvider(Generic[P]):
    TYPE: ClassVar[str]
    SUMMARY: ClassVar[str]
    PROPERTIES: ClassVar[type | None] = None  # the TypedDict of the type argument; None: any property

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is ResourceProvider:
                (properties,) = get_args(base)
                cls.PROPERTIES = properties if is_typeddict(properties) else None
        if cls.PROPERTIES is not None and any(
            isinstance(hint, (str, ForwardRef)) for hint in cls.PROPERTIES.__annotations__.values()
        ):
            raise TypeError(f"{cls.__name__}: declare {cls.PROPERTIES.__name__} without postponed annotations")

    @classmethod
    def check(cls, properties: Mapping[str, Any]) -> None:
        """Every required property is set and every set one is declared."""
        if cls.PROPERTIES is None:
            return
        required: frozenset[str] = cls.PROPERTIES.__required_keys__  # type: ignore[attr-defined]
        optional: frozenset[str] = cls.PROPERTIES.__optional_keys__  # type: ignore[attr-defined]
        missing = sorted(required - set(properties))
        if missing:
            raise DeployError(f"required property {missing[0]} is missing")
        unhandled = sorted(set(properties) - required - optional)
        if unhandled:
            raise DeployError(f"properties not handled by the local cloud: {', '.join(unhandled)}")

    def create(self, request: ResourceRequest[P]) -> DeployedResource:
        raise NotImplementedError
