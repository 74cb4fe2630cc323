"""Two costs of the emulated AWS that the tests paid over and over, removed without changing behaviour.

1. botocore re-reads its JSON models for every session. `mock_aws()` gives each test a new default
   boto3 session, so each test parsed the service models, endpoints and rule sets of every client
   it created again (most of the ~1 s setup of an integration test). `share_botocore_loader`
   gives every session the one loader; the loader caches what it loaded, as it already did within
   a session, and botocore never mutates what it loaded.

2. moto 5.2.5's `transact_write_items` deep-copies every table it names, with every stream record
   ever written, once per item of the transaction, to roll back a cancelled one: the order flow's
   tests, which write thousands of items, spent about 80 % of their time there. The local cloud's
   patch 7 (`localcloud.moto_patches.dynamodb_transactions`: same answers and rollback, backing up
   only the items written; pinned by tests/localcloud/test_moto_contract.py) is installed for every
   test, not only those that start a local cloud.

`install()` applies both, once per process (tests/conftest.py calls it, so pytest-xdist workers
do too). Nothing in the product imports this module.
"""

from __future__ import annotations

from typing import Any

from botocore import loaders, session

from localcloud import moto_patches

_installed = False


def share_botocore_loader() -> None:
    shared: list[Any] = []

    def loader(self: session.Session) -> Any:
        data_path = self.get_config_variable("data_path")
        for path, created in shared:
            if path == data_path:
                return created
        created = loaders.create_loader(data_path)
        shared.append((data_path, created))
        return created

    def register_data_loader(self: session.Session) -> None:
        self._components.lazy_register_component("data_loader", lambda: loader(self))

    session.Session._register_data_loader = register_data_loader


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    share_botocore_loader()
    moto_patches.patch_transactions()
