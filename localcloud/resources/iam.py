"""IAM: roles and their policies, stored in moto (which does not enforce IAM)."""

from typing import Any, Required, TypedDict

from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, json_text, present, tags

MANAGED_POLICIES_NOTE = "AWS-managed policies are recorded on the template only: moto does not load them"


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
    SUMMARY = "CreateRole, managed and inline policies (stored; moto does not enforce IAM)"

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
            try:
                iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
            except iam.exceptions.NoSuchEntityException:
                if ":iam::aws:policy/" not in policy_arn:
                    raise
                # moto loads AWS-managed policies only on request (+0.8 s); IAM is not enforced anyway.
                request.deployment.note(MANAGED_POLICIES_NOTE)
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
