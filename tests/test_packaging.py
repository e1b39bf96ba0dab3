"""What a wheel or an installer of Longread holds: every package, the run-time files, the
bundled model; and `longread --smoke-test`, which installers run on themselves."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_of_the_source_tree_is_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("app", "core")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml's packages: {sorted(found - listed)}"
    assert config["package-dir"]["longread_resources"] == "resources"
    assert "sample/*.pdf" in config["package-data"]["longread_resources"]


def test_run_time_files_are_found_through_the_installed_package():
    from core.paths import resource

    sample = resource("sample", "harbor-report.pdf")
    assert sample.is_file() and sample.read_bytes()[:4] == b"%PDF"
    from app.window import SAMPLE

    assert sample == SAMPLE


def test_the_smoke_test_passes_on_this_install():
    result = subprocess.run(
        [sys.executable, "-m", "app.entry", "--smoke-test"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert len(lines) == 6 and all(line.startswith("ok") for line in lines), result.stdout
    assert "184,200" in result.stdout and "2.4 million" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("Smoke test passed")


def test_the_smoke_test_fails_loudly_when_a_part_is_missing(monkeypatch, tmp_path):
    import core.paths
    from app import smoke

    monkeypatch.setenv("LONGREAD_HOME", str(tmp_path))  # run() moves it; restored after
    monkeypatch.setattr(core.paths, "resource", lambda *parts: tmp_path / "missing.pdf")
    out = io.StringIO()
    assert smoke.run(out=out) == 1
    text = out.getvalue()
    assert "FAIL add the sample report" in text and "Smoke test FAILED" in text
