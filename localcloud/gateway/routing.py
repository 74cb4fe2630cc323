"""Which resource of a REST API answers a path, as API Gateway matches it."""

from __future__ import annotations

from dataclasses import dataclass

from localcloud.gateway.catalog import ApiResource, RestApi


@dataclass(frozen=True)
class Match:
    resource: ApiResource
    path_parameters: dict[str, str]


def match_resource(api: RestApi, segments: list[str]) -> Match | None:
    """The resource for the path segments: literal parts before `{param}` before `{proxy+}`."""

    def walk(resource: ApiResource, rest: list[str], params: dict[str, str]) -> Match | None:
        if not rest:
            return Match(resource, params)
        children = api.children(resource.id)
        head = rest[0]
        for child in children:
            if child.path_part == head:
                found = walk(child, rest[1:], params)
                if found is not None:
                    return found
        for child in children:
            part = child.path_part
            if part.startswith("{") and part.endswith("}") and not part.endswith("+}"):
                found = walk(child, rest[1:], {**params, part[1:-1]: head})
                if found is not None:
                    return found
        for child in children:
            part = child.path_part
            if part.startswith("{") and part.endswith("+}"):
                return Match(child, {**params, part[1:-2]: "/".join(rest)})
        return None

    return walk(api.resources[api.root_resource_id], segments, {})
