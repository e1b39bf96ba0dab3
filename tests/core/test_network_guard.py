import socket

import pytest

from tests.conftest import NetworkBlocked


def test_a_connection_off_this_machine_fails_the_test():
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_loopback_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
