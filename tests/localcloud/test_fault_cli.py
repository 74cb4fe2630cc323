"""`python -m localcloud --faults SPEC [--faults-seed N]` and the local cloud's start and stop with faults."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from localcloud import faults, server
from localcloud.__main__ import main
from localcloud.faults.spec import KINDS, FaultSpecError
from localcloud.server import LocalCloud, Settings


def test_a_bad_spec_stops_the_command_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--faults", "dynamodb=0.1", "--state-dir", "/nonexistent"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "argument --faults: bad fault spec: 'dynamodb=0.1': unknown kind 'dynamodb'" in error
    assert "dynamodb-throttle" in error


def test_a_bad_spec_stops_the_local_cloud_before_it_synthesizes(tmp_path: Path) -> None:
    cloud = LocalCloud(Settings(port=0, faults="invoke-after=2", outdir=tmp_path / "out", state_dir=tmp_path))
    with pytest.raises(FaultSpecError, match="not a number from 0 to 1"):
        cloud.start()
    assert not (tmp_path / "out").exists()
    assert faults.active() is None


def test_help_documents_the_spec_and_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "--faults SPEC" in text and "--faults-seed N" in text
    assert 'KIND "@" TARGET "=" RATE' in text
    assert all(kind in text for kind in KINDS)


def test_the_local_cloud_stops_injecting_and_says_how_many_at_its_stop() -> None:
    lines: list[str] = []
    cloud = LocalCloud(Settings(log=lines.append))
    cloud.faults = faults.activate("invoke-before=1")
    fault = faults.decide("invoke-before", "f")
    assert fault is not None
    faults.record(fault, "failed")
    cloud.stop()
    assert faults.active() is None
    assert lines == ["localcloud: 1 faults injected: invoke-before 1 (f 1)"]
    cloud.stop()
    assert len(lines) == 1
    assert cloud.faults.counts() == {"invoke-before": {"f": 1}}


def test_the_command_passes_the_spec_and_seed_to_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    class Stub:
        def __init__(self, settings: Settings) -> None:
            seen.append(settings)

        def start(self) -> None:
            raise KeyboardInterrupt

        def stop(self) -> None:
            pass

    monkeypatch.setattr(server, "LocalCloud", Stub)
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        assert main(["--faults", "s3-500@b=0.5", "--faults-seed", "7"]) == 0
        assert main(["--faults", ""]) == 0
        assert main([]) == 0
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert [(settings.faults, settings.faults_seed) for settings in seen] == [("s3-500@b=0.5", 7), ("", 0), ("", 0)]
