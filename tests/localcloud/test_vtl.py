"""The mapping-template subset: what renders as API Gateway renders it, and what is refused up front."""

from __future__ import annotations

import json

import pytest

from localcloud.gateway import vtl

BODY = json.dumps({"detail": {"tickers": [{"ticker": "AAPL"}]}, "note": "line\nbreak / it's"})
REQUEST = vtl.Request(body=BODY, context={"requestId": "r-1", "error": {"validationErrorString": 'bad "x"'}})


def test_input_json_escaped_is_a_json_string_of_the_body() -> None:
    rendered = vtl.render('{"input": "$util.escapeJavaScript($input.json(\'$\')).replaceAll("\\\\\'", "\'")"}', REQUEST)
    assert json.loads(json.loads(rendered)["input"]) == json.loads(BODY)


def test_paths_context_and_body() -> None:
    assert vtl.render("$input.path('$.detail.tickers[0].ticker')", REQUEST) == "AAPL"
    assert vtl.render("$input.json('$.detail.tickers')", REQUEST) == '[{"ticker":"AAPL"}]'
    assert vtl.render("$input.path('$.missing.x')|$context.requestId", REQUEST) == "|r-1"
    assert vtl.render("$input.body", REQUEST) == BODY
    assert vtl.render("$util.escapeJavaScript($context.error.validationErrorString)", REQUEST) == 'bad \\"x\\"'


def test_stage_variables() -> None:
    request = vtl.Request(body="", context={}, stage_variables={"table": "things"})
    assert vtl.render("$stageVariables.table|$stageVariables.missing|", request) == "things||"
    assert vtl.render('$stageVariables.table.replaceAll("s$", "")', request) == "thing"


def test_escape_javascript_as_java_does() -> None:
    assert vtl.escape_javascript("a\"b'c\\d/e\n\té") == "a\\\"b\\'c\\\\d\\/e\\n\\t\\u00E9"


@pytest.mark.parametrize(
    "template",
    [
        "#set($x = 1)$x",
        "#if($input.body)x#end",
        "${input.body}",
        "$input.params('id')",
        "$util",
    ],
)
def test_what_the_subset_does_not_implement_is_refused(template: str) -> None:
    with pytest.raises(vtl.TemplateError):
        vtl.check(template)
