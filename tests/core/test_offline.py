"""Nothing leaves the machine: a whole ask works with the network cut at the socket level, and
the model libraries are told to stay offline before any of them is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample" / "harbor-report.pdf"

# Installed as `sitecustomize` in the child, so it runs before anything else in that Python (and
# in every Python it starts: the document reader, the REPL). Any attempt to resolve a name or
# connect anywhere but this machine fails and is written to a log the test reads.
GUARD = r"""
import ipaddress, os, socket

_LOG = os.environ["LONGREAD_TEST_NET_LOG"]


def _local(host):
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(what):
    with open(_LOG, "a") as f:
        f.write(f"{os.getpid()} {what}\n")
    raise OSError(101, "network blocked for this test: " + what)


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_sendto = socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(f"connect {address!r}")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(f"connect_ex {address!r}")
    return _connect_ex(self, address)


def sendto(self, data, *args):
    address = args[-1]
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(f"sendto {address!r}")
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if isinstance(host, bytes):
        host = host.decode()
    if not _local(host):
        _refuse(f"getaddrinfo {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.getaddrinfo = getaddrinfo
"""


def _guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "network.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")])
    env["LONGREAD_TEST_NET_LOG"] = str(log)
    env["OMP_NUM_THREADS"] = "1"
    # What a user's shell might carry: the app must stay offline anyway.
    env["HF_HUB_OFFLINE"] = "0"
    env["TRANSFORMERS_OFFLINE"] = "0"
    return env, log


def test_the_guard_itself_blocks_and_records(tmp_path):
    env, log = _guarded_env(tmp_path)
    code = (
        "import socket\n"
        "try:\n    socket.create_connection(('example.com', 80), 2)\n"
        "except OSError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "network blocked" in out.stdout
    assert "example.com" in log.read_text()


def test_a_whole_ask_with_the_network_cut_answers_with_citations(tmp_path):
    env, log = _guarded_env(tmp_path)
    command = [
        sys.executable, "-m", "app.entry", "ask", str(SAMPLE),
        "--library", str(tmp_path / "library"),
        "-q", "How many visits did the library welcome in 2023?",
        "--mode", "rag", "--max-tokens", "20", "--json",
    ]  # fmt: skip
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout)
    assert "184,200" in answer["answer"]
    assert answer["citations"], "the answer cites the sample report"
    assert not log.exists(), f"something tried to reach the network:\n{log.read_text()}"


def test_the_offline_settings_are_in_place_before_any_model_library_is_imported(tmp_path):
    env, _ = _guarded_env(tmp_path)
    code = (
        "import sys\n"
        "import app.entry, app.main, core.cli, core.service\n"
        "heavy = [m for m in ('torch', 'transformers', 'huggingface_hub', 'sentence_transformers')"
        " if m in sys.modules]\n"
        "print('imported early:', heavy)\n"
        "from core import cli\n"
        "cli.main(['models'])\n"
        "import os\n"
        "print('offline:', os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "imported early: []" in out.stdout
    assert "offline: 1 1" in out.stdout  # forced, although the environment said 0


def test_the_catalog_and_the_window_s_offer_connect_to_nothing(tmp_path):
    """Only a download the user starts connects: listing the catalog and judging what fits
    this computer make no request, not even to a hub on this machine."""
    from tests.core.llm.hub import Hub

    env, log = _guarded_env(tmp_path)
    with Hub() as hub:
        env["HF_ENDPOINT"] = hub.url
        for args in (["models", "catalog"], ["models", "list"], ["models"]):
            out = subprocess.run(
                [sys.executable, "-m", "app.entry", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert out.returncode == 0, out.stderr[-2000:]
        assert hub.requests == []
    assert not log.exists(), f"something tried to reach the network:\n{log.read_text()}"
