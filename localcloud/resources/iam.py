"""IAM: roles and their policies, stored in moto, where `localcloud.iam` reads them at each request.

moto loads no AWS-managed policy by default; an attached one is added to moto's IAM from its document pinned
in `localcloud/iam/managed/` (`localcloud.iam.managed`), and a policy without a pinned document stops the start.
"""

from typing import Any, Required, TypedDict

from localcloud.iam import managed
from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, json_text, present, tags


class RoleProperties(TypedDict, total=False):
    RoleName: str
    AssumeRolePolicyDocument: Required[dict[str, Any] | str]
    Path: str
    Description: str
    MaxSessionDuration: int
    PermissionsBoundary: str
    Tags: Tags
    ManagedPolicyArns: list[str]
    Policies: list[dict[str, Any]]


class Role(ResourceProvider[RoleProperties]):
    TYPE = "AWS::IAM::Role"
    SUMMARY = "CreateRole, managed (AWS-managed from pinned documents) and inline policies"

    def create(self, request: ResourceRequest[RoleProperties]) -> DeployedResource:
        props = request.properties
        iam = request.client("iam")
        name = props.get("RoleName") or request.physical_name()
        call: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": json_text(props["AssumeRolePolicyDocument"]),
            "Path": props.get("Path", "/"),
            **present(props, "Description", "MaxSessionDuration", "PermissionsBoundary"),
        }
        if props.get("Tags"):
            call["Tags"] = tags(props.get("Tags"))
        role = iam.create_role(**call)["Role"]
        for policy_arn in props.get("ManagedPolicyArns") or []:
            if ":iam::aws:policy/" in policy_arn:
                try:
                    managed.install(policy_arn, role["Arn"].split(":")[4])
                except managed.UnpinnedPolicy as error:
                    raise DeployError(str(error)) from None
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        for policy in props.get("Policies") or []:
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json_text(policy["PolicyDocument"])
            )
        return request.resource(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})


class PolicyProperties(TypedDict, total=False):
    PolicyName: Required[str]
    PolicyDocument: Required[dict[str, Any] | str]
    Roles: list[str]
    Users: list[str]
    Groups: list[str]


class Policy(ResourceProvider[PolicyProperties]):
    TYPE = "AWS::IAM::Policy"
    SUMMARY = "PutRolePolicy / PutUserPolicy / PutGroupPolicy"

    def create(self, request: ResourceRequest[PolicyProperties]) -> DeployedResource:
        props = request.properties
        iam = request.client("iam")
        name = props["PolicyName"]
        document = json_text(props["PolicyDocument"])
        for role in props.get("Roles") or []:
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
        for user in props.get("Users") or []:
            iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=document)
        for group in props.get("Groups") or []:
            iam.put_group_policy(GroupName=group, PolicyName=name, PolicyDocument=document)
        return request.resource(request.physical_name())


PROVIDERS = (Role, Policy)
