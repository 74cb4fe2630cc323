"""Swagger UI for the OpenAPI documents the deployed APIs serve, on the gateway's own port.

The page lists every stack output whose key contains the app's marker (`apiDocs.outputsContaining` in the
`"localcloud"` block of `cdk.json`, e.g. `OpenApi`), each an OpenAPI document's URL made local, so the
documents are fetched through the local gateway as a client would fetch them on AWS. The page is served
by the same server and port as the APIs (`<base url><path>`, e.g. `http://127.0.0.1:8000/docs/`), so
"Try it out" calls the local APIs without CORS. With `apiDocs.apiKeySecurityScheme` set, the page fills
the local API key into that security scheme (Swagger UI's `preauthorizeApiKey`) for every document.

The Swagger UI assets are the files of the npm package `swagger-ui-dist` (`apiDocs.assets`, a folder
under the app's root, installed by `npm ci`); only the page itself is written here.
"""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Final

from localcloud.gateway.replies import Reply

_ASSET_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CONTENT_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".map": "application/json",
    ".png": "image/png",
}
# The files of swagger-ui-dist the page loads.
PAGE_ASSETS: Final = ("swagger-ui.css", "index.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


@dataclass(frozen=True)
class Document:
    name: str
    url: str


def document_name(output_key: str, marker: str) -> str:
    """`PetStoreApiOpenApiUrl` → `Pet Store Api` (the key before the marker, in words)."""
    stem = output_key.split(marker, 1)[0] or output_key
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", stem).strip()


class SwaggerUi:
    """Answers `GET <path>` (the page) and `GET <path><asset>` (a file of the assets folder)."""

    def __init__(
        self,
        assets: Path,
        documents: list[Document],
        *,
        path: str = "/docs/",
        api_key: str | None = None,
        security_scheme: str | None = None,
        title: str = "API documents (local cloud)",
    ) -> None:
        self.assets = assets
        self.documents = documents
        self.path = "/" + path.strip("/") + "/"
        self.api_key = api_key
        self.security_scheme = security_scheme
        self.title = title

    def missing_assets(self) -> list[str]:
        return [name for name in PAGE_ASSETS if not (self.assets / name).is_file()]

    def matches(self, path: str) -> bool:
        return path == self.path.rstrip("/") or path.startswith(self.path)

    def handle(self, method: str, path: str, request_id: str) -> Reply:
        headers = [("x-amzn-RequestId", request_id)]
        if method not in ("GET", "HEAD"):
            return Reply(HTTPStatus.METHOD_NOT_ALLOWED, [*headers, ("Allow", "GET, HEAD")], b"")
        if path == self.path.rstrip("/"):
            return Reply(HTTPStatus.MOVED_PERMANENTLY, [*headers, ("Location", self.path)], b"")
        name = path[len(self.path) :]
        if name in ("", "index.html"):
            return Reply(HTTPStatus.OK, [*headers, ("Content-Type", "text/html; charset=utf-8")], self.page().encode())
        file = self.assets / name
        if not _ASSET_NAME.fullmatch(name) or not file.is_file():
            return Reply(HTTPStatus.NOT_FOUND, [*headers, ("Content-Type", "text/plain")], b"Not Found")
        suffix = file.suffix.lower()
        content_type = _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Reply(HTTPStatus.OK, [*headers, ("Content-Type", content_type)], file.read_bytes())

    def config(self) -> dict[str, object]:
        return {
            "documents": [{"name": document.name, "url": document.url} for document in self.documents],
            "apiKey": self.api_key,
            "securityScheme": self.security_scheme,
        }

    def page(self) -> str:
        config = json.dumps(self.config(), indent=2).replace("</", "<\\/")  # safe inside <script>
        return _PAGE.replace("{{title}}", _html(self.title)).replace("{{config}}", config)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{title}}</title>
  <link rel="stylesheet" href="swagger-ui.css">
  <link rel="stylesheet" href="index.css">
  <link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger-ui-bundle.js"></script>
  <script src="swagger-ui-standalone-preset.js"></script>
  <script>
    const LOCAL_CLOUD = {{config}};
    // The local API key in the documents' API-key scheme, again after each document is loaded (the
    // top bar switches documents), so "Try it out" sends it.
    function preauthorize(system) {
      if (LOCAL_CLOUD.apiKey && LOCAL_CLOUD.securityScheme) {
        system.preauthorizeApiKey(LOCAL_CLOUD.securityScheme, LOCAL_CLOUD.apiKey);
      }
    }
    const KeepApiKey = (system) => ({
      statePlugins: {
        spec: {
          wrapActions: {
            updateJsonSpec: (original) => (...args) => {
              const result = original(...args);
              setTimeout(() => preauthorize(system), 0);
              return result;
            },
          },
        },
      },
    });
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        urls: LOCAL_CLOUD.documents,
        "urls.primaryName": LOCAL_CLOUD.documents.length ? LOCAL_CLOUD.documents[0].name : undefined,
        dom_id: "#swagger-ui",
        deepLinking: true,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        plugins: [SwaggerUIBundle.plugins.DownloadUrl, KeepApiKey],
        layout: "StandaloneLayout",
        onComplete: () => preauthorize(window.ui),
      });
    };
  </script>
</body>
</html>
"""
