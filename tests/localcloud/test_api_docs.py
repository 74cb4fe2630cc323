"""The Swagger UI page of the app's OpenAPI documents: its configuration, the page and the assets it loads."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from localcloud.api_docs import PAGE_ASSETS, Document, SwaggerUi, document_name
from localcloud.app import ApiDocsConfig, AppConfig, AppConfigError
from localcloud.gateway.catalog import ApiCatalog
from localcloud.gateway.data_plane import Gateway

ROOT = Path(__file__).resolve().parents[2]


class NoFunctions:
    def invoke(self, name_or_arn: str, event: dict[str, object]) -> tuple[object, bool]:
        raise AssertionError("the page invokes nothing")


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_this_repository_asks_for_the_page_and_has_its_assets() -> None:
    docs = AppConfig.load(ROOT).api_docs
    assert docs is not None
    assert docs.api_key_security_scheme and docs.outputs_containing and docs.path == "/docs/"
    page = SwaggerUi(ROOT / docs.assets, [])
    assert page.missing_assets() == []  # npm ci installed swagger-ui-dist


def test_the_page_lists_the_documents_with_the_key_and_serves_the_assets(tmp_path: Path) -> None:
    for name in (*PAGE_ASSETS, "favicon-32x32.png"):
        (tmp_path / name).write_bytes(b"/* " + name.encode() + b" */")
    (tmp_path / "sub").mkdir()
    documents = [Document("Pet Api", "http://127.0.0.1:1/abc/dev/openapi.json")]
    page = SwaggerUi(tmp_path, documents, api_key="k" * 30, security_scheme="ApiKey")
    gateway = Gateway(ApiCatalog(), NoFunctions())
    gateway.pages.append(page)
    gateway.start()
    try:
        status, headers, body = get(f"{gateway.base_url}/docs/")
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
        text = body.decode()
        config = json.loads(re.search(r"const LOCAL_CLOUD = (\{.*?\n\});", text, re.S).group(1))  # type: ignore[union-attr]
        assert config == {
            "documents": [{"name": "Pet Api", "url": "http://127.0.0.1:1/abc/dev/openapi.json"}],
            "apiKey": "k" * 30,
            "securityScheme": "ApiKey",
        }
        assert "preauthorizeApiKey(LOCAL_CLOUD.securityScheme, LOCAL_CLOUD.apiKey)" in text
        for asset in PAGE_ASSETS:
            assert f'"{asset}"' in text
            status, headers, body = get(f"{gateway.base_url}/docs/{asset}")
            assert (status, body) == (200, b"/* " + asset.encode() + b" */")
        assert get(f"{gateway.base_url}/docs/swagger-ui-bundle.js")[1]["Content-Type"].startswith("text/javascript")
        assert get(f"{gateway.base_url}/docs/swagger-ui.css")[1]["Content-Type"].startswith("text/css")
        for missing in ("nothing.js", "sub", "..%2Fsecret", ".hidden"):
            assert get(f"{gateway.base_url}/docs/{missing}")[0] == 404
        status, headers, _ = get(f"{gateway.base_url}/docs")  # urllib follows the redirect
        assert status == 200
        assert get(f"{gateway.base_url}/elsewhere/dev/")[0] == 404  # not the page: an unknown API
    finally:
        gateway.close()


def test_a_script_closing_tag_in_the_configuration_cannot_end_the_script(tmp_path: Path) -> None:
    page = SwaggerUi(tmp_path, [Document("</script><b>", "http://x/")]).page()
    assert "</script><b>" not in page


def test_document_names_from_output_keys() -> None:
    assert document_name("PetStoreApiOpenApiUrl", "OpenApi") == "Pet Store Api"
    assert document_name("OpenApiUrl", "OpenApi") == "Open Api Url"  # nothing before the marker: the key


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ([], "must be an object"),
        ({"assets": "x"}, "needs outputsContaining and assets"),
        ({"outputsContaining": "OpenApi", "assets": "x", "path": "/a/b/"}, "one path segment"),
    ],
)
def test_a_malformed_api_docs_block_names_the_key(block: object, message: str) -> None:
    with pytest.raises(AppConfigError, match=message):
        ApiDocsConfig.parse(block, "cdk.json: localcloud.apiDocs")
