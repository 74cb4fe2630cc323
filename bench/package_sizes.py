"""`python -m bench.package_sizes`: what each deployment package weighs, unzipped and zipped.

Bundles the market-data dependencies layer for real (pip downloads the linux/arm64 wheels from the
package index, as `cdk synth` does) with the same `LocalPipBundler` the construct uses, checks it holds
yfinance, pandas and numpy built for aarch64, and sets its size beside the order-path packages (code
folders and the shared layer), which do not carry it. Lambda's limit is 250 MiB unzipped for a function
and all its layers; 50 MiB applies to a zip uploaded directly, not to CDK's S3 assets.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from constructs_lib import LAMBDAS_DIR, SHARED_LAYER_DIR
from constructs_lib.common.function import RUNTIME
from constructs_lib.market_data.layer import MARKET_DATA_LAYER_DIR, LocalPipBundler
from trading_core import contracts

MIB: Final = 1024 * 1024
ORDER_PATH: Final = (
    contracts.ORDER_ROUTER_FUNCTION,
    contracts.DARK_POOL_FUNCTION,
    contracts.LIT_POOL_FUNCTION,
    contracts.POST_TRADE_FUNCTION,
    contracts.AGGREGATOR_FUNCTION,
)
FETCHERS: Final = (
    contracts.QUOTE_SUMMARY_FUNCTION,
    contracts.HISTORICAL_DATA_FUNCTION,
    contracts.MARKET_DATA_FETCHER_FUNCTION,
)
REQUIRED_PACKAGES: Final = ("yfinance", "pandas", "numpy", "curl_cffi", "lxml")
ELF_MACHINES: Final = {0x3E: "x86-64", 0xB7: "AArch64"}


def package_files(root: Path) -> Iterator[Path]:
    """The files a code asset carries: everything but byte-code (the assets exclude it)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def sizes(root: Path) -> tuple[int, int]:
    """(unzipped bytes, bytes of a deflate zip of the folder)."""
    unzipped = 0
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "package.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for path in package_files(root):
                unzipped += path.stat().st_size
                zipped.write(path, path.relative_to(root).as_posix())
        return unzipped, archive.stat().st_size


def total(*measured: tuple[int, int]) -> tuple[int, int]:
    return sum(m[0] for m in measured), sum(m[1] for m in measured)


def elf_machine(path: Path) -> str:
    """The CPU a shared object is built for, from its ELF header (e_machine, little-endian)."""
    header = path.read_bytes()[:20]
    if header[:4] != b"\x7fELF":
        return "not ELF"
    machine = int.from_bytes(header[18:20], "little")
    return ELF_MACHINES.get(machine, f"machine {machine:#x}")


def human(size: int) -> str:
    return f"{size / MIB:8.1f} MiB" if size >= MIB else f"{size / 1024:8.1f} KiB"


def line(label: str, measured: tuple[int, int]) -> str:
    unzipped, zipped = measured
    return f"  {label:46} {human(unzipped)} {human(zipped)}"


def check_layer(layer: Path) -> list[str]:
    python = layer / "python"
    top = sorted(entry.name for entry in python.iterdir() if not entry.name.endswith(".dist-info"))
    missing = [name for name in REQUIRED_PACKAGES if not (python / name).is_dir()]
    if missing:
        raise SystemExit(f"market-data layer lacks {missing}; top-level entries: {top}")
    numpy_core = sorted((python / "numpy").rglob("_multiarray_umath*.so"))
    pandas_so = sorted((python / "pandas").rglob("*.so"))
    report = [f"  top level of python/ ({len(top)} entries, without dist-info): {', '.join(top)}"]
    for so in [*numpy_core[:1], *pandas_so[:1]]:
        report.append(f"  {so.relative_to(layer)}: {elf_machine(so)}")
    machines = {elf_machine(so) for so in python.rglob("*.so")}
    report.append(f"  every .so in the layer ({sum(1 for _ in python.rglob('*.so'))}): {', '.join(sorted(machines))}")
    return report


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="market-data-layer-") as output:
        started = time.perf_counter()
        LocalPipBundler(MARKET_DATA_LAYER_DIR).try_bundle(output, image=RUNTIME.bundling_image)
        seconds = time.perf_counter() - started
        layer = Path(output)
        print(f"market-data dependencies layer: bundled with pip in {seconds:.1f} s")
        print(*check_layer(layer), sep="\n")
        deps = sizes(layer)

    print()
    print(f"  {'package':46} {'unzipped':>12} {'zipped':>12}")
    print(line("market-data dependencies layer", deps))
    shared = sizes(SHARED_LAYER_DIR)
    print(line("shared layer (lambdas/shared_layer)", shared))
    for name in ORDER_PATH:
        print(line(f"lambdas/{name}", sizes(LAMBDAS_DIR / name)))
    for name in FETCHERS:
        print(line(f"lambdas/{name}", sizes(LAMBDAS_DIR / name)))

    largest_order = max((sizes(LAMBDAS_DIR / name) for name in ORDER_PATH), key=lambda measured: measured[0])
    largest_fetcher = max((sizes(LAMBDAS_DIR / name) for name in FETCHERS), key=lambda measured: measured[0])
    print()
    print("  order-path function: its code + shared layer (+ the AWS-managed Powertools layer); no yfinance layer")
    print(line("  largest order-path code + shared layer", total(largest_order, shared)))
    print(line("  largest fetcher code + shared + deps layer", total(largest_fetcher, shared, deps)))
    print(f"  Lambda's limit for a function and its layers, unzipped: {human(250 * MIB).strip()}; the Powertools")
    print("  layer is not counted above. Sizes in MiB/KiB (1 MiB = 1,048,576 bytes).")


if __name__ == "__main__":
    main()
