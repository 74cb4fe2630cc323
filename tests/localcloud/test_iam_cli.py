"""How enforcement is announced and turned off: `make run` says what it evaluates; `--help` documents `--no-iam`."""

from __future__ import annotations

import json

import pytest

from localcloud.__main__ import main
from localcloud.iam import enforcement, hook
from tests.localcloud.support import ACCOUNT, LAMBDA_TRUST, local_cloud


def test_help_documents_turning_iam_off(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])

    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--no-iam do not enforce IAM" in text


def test_the_announcement_counts_roles_statements_and_lambda_permissions() -> None:
    with local_cloud() as cloud:
        enforcer = enforcement.start()
        try:
            iam = cloud.client("iam")
            for name, actions in (("a", ["s3:GetObject", "s3:PutObject"]), ("b", ["sqs:SendMessage"])):
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)
                statements = [{"Effect": "Allow", "Action": action, "Resource": "*"} for action in actions]
                document = json.dumps({"Version": "2012-10-17", "Statement": statements})
                iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
            arn = cloud.function("f", in_moto=True)
            cloud.client("lambda").add_permission(
                FunctionName="f", StatementId="s", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com"
            )

            line = enforcement.announcement(enforcer, ACCOUNT, [arn])
            assert hook.active() is enforcer
        finally:
            enforcement.stop()

    # the fixture's own role "test" has no policy
    assert line == (
        "localcloud: IAM enforced: 3 roles, 3 identity-policy statements, 1 Lambda permission statements, "
        "0 queue-policy statements (--no-iam turns it off)"
    )
    assert hook.active() is None


def test_without_enforcement_the_run_log_says_so() -> None:
    assert enforcement.announcement(None, ACCOUNT, []) == (
        "localcloud: IAM NOT enforced (--no-iam): every request is allowed"
    )
