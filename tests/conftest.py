"""Test-wide guards: no network, no Qt window on screen, no model hub, a private library folder."""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import socket
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# Converted models and saved KV caches: one fresh folder per test session, never the user's,
# removed when the session ends (it holds ~2 GB of converted models and caches).
os.environ["LONGREAD_CACHE"] = tempfile.mkdtemp(prefix="longread-test-cache-")
atexit.register(shutil.rmtree, os.environ["LONGREAD_CACHE"], ignore_errors=True)


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)) and not isinstance(address, tuple):
        return True  # AF_UNIX paths
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    pass


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"test tried to reach the network: {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that opens a non-loopback connection."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    """Point LONGREAD_HOME at a temp folder so no test touches the user's real library."""
    home = tmp_path / "longread-home"
    monkeypatch.setenv("LONGREAD_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def onnx_model_folder(tmp_path_factory):
    """A copy of the built-in embedding model with its ONNX copy, as the CPU edition's bundle
    holds it (made the way packaging/longread.spec makes it)."""
    from core.embeddings import bundled_model_path, export_onnx

    folder = shutil.copytree(bundled_model_path(), tmp_path_factory.mktemp("onnx") / "minilm")
    export_onnx(folder)
    return folder
