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


def test_the_cpu_edition_passes_the_smoke_test_without_torch(onnx_model_folder):
    # What the installers ship: torch, transformers, sentence-transformers, scipy and
    # scikit-learn left out (tests/lean.py makes them unimportable, and fails if any is
    # imported anyway); llama.cpp answers and ONNX Runtime embeds.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    lean = [sys.executable, "-m", "tests.lean", str(onnx_model_folder)]
    result = subprocess.run(
        [*lean, "--smoke-test"], capture_output=True, text=True, timeout=600, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "184,200" in result.stdout and "2.4 million" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("Smoke test passed")

    models = subprocess.run(
        [*lean, "models"], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )
    assert models.returncode == 0, models.stdout + models.stderr
    assert "runs on llama.cpp: this edition of Longread runs models with llama.cpp" in models.stdout


def test_the_smoke_test_fails_loudly_when_a_part_is_missing(monkeypatch, tmp_path):
    import core.paths
    from app import smoke

    monkeypatch.setenv("LONGREAD_HOME", str(tmp_path))  # run() moves it; restored after
    monkeypatch.setattr(core.paths, "resource", lambda *parts: tmp_path / "missing.pdf")
    out = io.StringIO()
    assert smoke.run(out=out) == 1
    text = out.getvalue()
    assert "FAIL add the sample report" in text and "Smoke test FAILED" in text


# -- the installers' sources: what can be checked on this machine ---------------------------

KNOWN_ACTIONS = {"actions/checkout@v4", "actions/setup-python@v5", "actions/upload-artifact@v4"}


def test_the_release_workflow_parses_and_names_only_actions_that_exist():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    used = {step["uses"] for step in steps if "uses" in step}
    assert used <= KNOWN_ACTIONS, used - KNOWN_ACTIONS
    systems = {
        row["os"].split("-")[0]
        for row in workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
    }
    assert systems == {"ubuntu", "windows", "macos"}
    scripts = " ".join(step.get("run", "") for step in steps)
    for script in (
        "packaging/linux/build.sh",
        "packaging/windows/build.ps1",
        "packaging/macos/build.sh",
        "packaging/longread.spec",
    ):
        assert script in scripts and (ROOT / script).is_file(), script


def test_the_shell_scripts_pass_shellcheck():
    import shutil

    import pytest

    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    scripts = sorted(str(p) for p in (ROOT / "packaging").rglob("*.sh"))
    scripts.append(str(ROOT / "packaging" / "linux" / "postrm"))
    result = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_windows_installer_script_compiles_around_a_stand_in_payload(tmp_path):
    import shutil

    import pytest

    if shutil.which("makensis") is None:
        pytest.skip("makensis is not installed (apt-get install nsis)")
    payload = tmp_path / "bundle"
    payload.mkdir()
    (payload / "longread.exe").write_bytes(b"stand-in")
    out = tmp_path / "setup.exe"
    result = subprocess.run(
        ["makensis", "-V2", f"-DBUNDLE={payload}", f"-DOUTFILE={out}", "longread.nsi"],
        cwd=ROOT / "packaging" / "windows",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.stat().st_size > 50_000 and out.read_bytes()[:2] == b"MZ"


def test_the_desktop_entry_offers_longread_for_the_formats_it_reads():
    from core.documents import FORMATS

    entry = (ROOT / "packaging" / "linux" / "longread.desktop").read_text()
    mime = next(line for line in entry.splitlines() if line.startswith("MimeType="))
    for kind in ("application/pdf", "application/epub+zip", "text/plain", "text/html"):
        assert kind in mime
    assert "Exec=longread %F" in entry
    assert ".pdf" in FORMATS and ".epub" in FORMATS


def test_a_document_given_on_the_command_line_opens_in_the_window():
    from app.entry import _opened_files

    sample = str(ROOT / "resources" / "sample" / "harbor-report.pdf")
    assert _opened_files([sample]) == [sample]
    assert _opened_files(["ask", sample]) == []  # a command
    assert _opened_files([str(ROOT / "pyproject.toml")]) == []  # not a document
