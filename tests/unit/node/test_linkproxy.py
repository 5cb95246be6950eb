"""The loopback link proxy with plain sockets (refimpl/node/linkproxy.py).

MobileCoin has no such tool (``tools/local-network/local_network.py`` stops whole nodes); the
proxy sits on the peer links of a network generated with ``links=True``.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.errors import NodeError
from refimpl.node.linkproxy import LinkProxy, proxy_for
from refimpl.node.localnet import free_ports, generate_local_network
from tests.unit.node._refusals import refused

TIMEOUT_S = 5.0



def proxy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("linkproxy")]


class Echo:
    """A target peer port: echoes every connection until end of file."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.accepted = 0
        self.threads: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            t = threading.Thread(target=self._echo, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _echo(self, conn: socket.socket) -> None:
        conn.settimeout(TIMEOUT_S)
        with conn:
            try:
                while data := conn.recv(65536):
                    conn.sendall(data)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT_S)
        self.listener.close()
        for t in self.threads:
            t.join(TIMEOUT_S)


def dial(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
    s.settimeout(TIMEOUT_S)
    return s


def round_trip(s: socket.socket, data: bytes) -> bytes:
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def is_closed(s: socket.socket) -> bool:
    """The proxy ended this connection: EOF or a reset (waits at most TIMEOUT_S)."""
    try:
        s.sendall(b"?")  # may still succeed once; the read below decides
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def dropped(port: int) -> bool:
    """A new connection is reset at once (the reset may already fail the connect)."""
    try:
        s = dial(port)
    except (ConnectionResetError, ConnectionRefusedError):
        return True
    with s:
        return is_closed(s)


@pytest.fixture
def mesh() -> Iterator[tuple[LinkProxy, dict[tuple[str, str], int], dict[str, Echo]]]:
    """Nodes a, b, c with an echo peer port each and a proxied link per ordered pair."""
    echoes = {name: Echo() for name in "abc"}
    pairs = [(s, d) for s in "abc" for d in "abc" if s != d]
    ports = free_ports(len(pairs))
    proxy = LinkProxy([(s, d, p, echoes[d].port) for (s, d), p in zip(pairs, ports, strict=True)])
    proxy.start()
    try:
        yield proxy, dict(zip(pairs, ports, strict=True)), echoes
    finally:
        proxy.stop()
        for e in echoes.values():
            e.close()


def test_bytes_flow_both_ways_with_half_close() -> None:
    target = socket.create_server(("127.0.0.1", 0))
    target.settimeout(TIMEOUT_S)
    (port,) = free_ports(1)
    with LinkProxy([("a", "b", port, target.getsockname()[1])]) as proxy, target:
        client = dial(port)
        server, _ = target.accept()
        server.settimeout(TIMEOUT_S)
        payload = os.urandom(300_000)
        client.sendall(payload)
        client.shutdown(socket.SHUT_WR)  # the end of file reaches the target...
        got = b""
        while chunk := server.recv(65536):
            got += chunk
        assert got == payload
        server.sendall(b"reply after your EOF")  # ...and the other direction still works
        server.close()
        back = b""
        while chunk := client.recv(65536):
            back += chunk
        assert back == b"reply after your EOF"
        client.close()
        stats = proxy.stats()[("a", "b")]
        assert (stats.bytes_to_dst, stats.bytes_to_src) == (300_000, 20)
        assert (stats.accepted, stats.dropped, stats.cut_open) == (1, 0, 0)
    assert proxy_threads() == []


def test_cut_closes_and_refuses_only_the_cut_links(
        mesh: tuple[LinkProxy, dict[tuple[str, str], int], dict[str, Echo]]) -> None:
    proxy, ports, echoes = mesh
    conns = {pair: dial(port) for pair, port in ports.items()}
    for pair, s in conns.items():
        assert round_trip(s, f"hello {pair}".encode()) == f"hello {pair}".encode()
    proxy.cut([{"a"}, {"b", "c"}])
    crossing = {("a", "b"), ("b", "a"), ("a", "c"), ("c", "a")}
    assert {p for p in ports if proxy.is_cut(*p)} == crossing
    for pair, s in conns.items():
        if pair in crossing:
            assert is_closed(s), pair
        else:  # inside {b, c}: the old connection and a new one both work
            assert round_trip(s, b"still here") == b"still here"
            with dial(ports[pair]) as fresh:
                assert round_trip(fresh, b"new") == b"new"
    accepted_by_a = echoes["a"].accepted
    for pair in crossing:  # new connections on cut links are reset, never forwarded
        assert dropped(ports[pair]), pair
    stats = proxy.stats()
    assert all(stats[p].dropped == 1 and stats[p].cut_open == 1 and stats[p].open == 0
               for p in crossing)
    assert all(stats[p].dropped == 0 and stats[p].cut_open == 0 for p in ports if
               p not in crossing)

    proxy.heal()
    assert not any(proxy.is_cut(*p) for p in ports)
    for pair in crossing:
        with dial(ports[pair]) as s:
            assert round_trip(s, b"healed") == b"healed"
    assert echoes["a"].accepted == accepted_by_a + 2  # b->a, c->a: only the healed ones
    for s in conns.values():
        s.close()


def test_cut_node_and_one_direction(
        mesh: tuple[LinkProxy, dict[tuple[str, str], int], dict[str, Echo]]) -> None:
    proxy, ports, _ = mesh
    proxy.cut_link("a", "b")
    assert dropped(ports[("a", "b")])
    with dial(ports[("b", "a")]) as s:
        assert round_trip(s, b"other way") == b"other way"
    proxy.isolate("c")  # cuts accumulate
    assert {p for p in ports if proxy.is_cut(*p)} == {
        ("a", "b"), ("a", "c"), ("c", "a"), ("b", "c"), ("c", "b")}
    proxy.heal_link("b", "c")  # one direction back
    with dial(ports[("b", "c")]) as s:
        assert round_trip(s, b"b to c") == b"b to c"
    assert dropped(ports[("c", "b")])
    refused("node.linkproxy_unknown_node", lambda: proxy.heal_link("c", "zz"))
    proxy.heal()
    with dial(ports[("c", "b")]) as s:
        assert round_trip(s, b"back") == b"back"


def test_refusals(mesh: tuple[LinkProxy, dict[tuple[str, str], int], dict[str, Echo]]) -> None:
    proxy, ports, _ = mesh
    refused("node.linkproxy_unknown_node", lambda: proxy.cut([{"a"}, {"zz"}]))
    refused("node.linkproxy_unknown_node", lambda: proxy.cut_node("zz"))
    refused("node.linkproxy_bad_groups", lambda: proxy.cut([{"a", "b"}, {"b", "c"}]))
    assert not any(proxy.is_cut(*p) for p in ports)
    # a listen port already bound: nothing is left listening
    busy = LinkProxy([("x", y, p, 1) for y, p in zip("yz", free_ports(2), strict=True)] +
                     [("a", "b", ports[("a", "b")], 1)])
    refused("node.linkproxy_bind_failed", busy.start)
    assert proxy_threads() != [] and busy.stats()[("x", "y")].accepted == 0
    for link in busy.links[:2]:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", link.listen_port))
            s.listen()


def test_a_target_that_is_down_resets_the_client() -> None:
    listen, dead = free_ports(2)
    with LinkProxy([("a", "b", listen, dead)]) as proxy:
        assert dropped(listen)
        assert proxy.stats()[("a", "b")].dropped == 1


@given(st.lists(st.tuples(st.sampled_from(["a", "b", ""]), st.sampled_from(["a", "b", 1]),
                          st.sampled_from([0, 1, 2, 65536, True]), st.sampled_from([1, 2, 3])),
                min_size=1, max_size=3))
def test_malformed_links_are_typed_errors(links: list[tuple[str, str, int, int]]) -> None:
    try:
        proxy = LinkProxy(links)
    except NodeError as exc:
        assert exc.code == "node.linkproxy_bad_link"
    else:  # what was accepted is well formed
        assert all(1 <= x.listen_port <= 65535 and x.src and x.src != x.dst and
                   isinstance(x.dst, str) for x in proxy.links)
        assert len({x.listen_port for x in proxy.links}) == len(proxy.links)


def test_stop_closes_everything_and_frees_the_ports(
        mesh: tuple[LinkProxy, dict[tuple[str, str], int], dict[str, Echo]]) -> None:
    proxy, ports, _ = mesh
    conns = [dial(port) for port in ports.values()]
    for s in conns:
        assert round_trip(s, b"x") == b"x"
    assert len(proxy_threads()) == 1 + 2 * len(conns)  # the accepter and two pumps each
    proxy.stop()
    assert proxy_threads() == []
    for s in conns:
        assert is_closed(s)
        s.close()
    assert sum(x.cut_open for x in proxy.stats().values()) == len(conns)
    for port in ports.values():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
        with socket.socket() as s:  # no listener is left on it (TIME_WAIT needs REUSEADDR)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()
    proxy.start()  # and it starts again
    with dial(ports[("a", "b")]) as s:
        assert round_trip(s, b"again") == b"again"


def test_many_concurrent_connections(
        mesh: tuple[LinkProxy, dict[tuple[str, str], int], dict[str, Echo]]) -> None:
    proxy, ports, _ = mesh
    pairs = list(ports)
    results: dict[int, bool] = {}
    sizes = [1 + (i * 7919) % 200_000 for i in range(60)]

    def client(i: int) -> None:
        payload = os.urandom(sizes[i])
        try:
            with dial(ports[pairs[i % len(pairs)]]) as s:
                results[i] = round_trip(s, payload) == payload
        except OSError:
            results[i] = False

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(sizes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(4 * TIMEOUT_S)
    assert results == {i: True for i in range(len(sizes))}
    stats = proxy.stats()
    assert sum(x.accepted for x in stats.values()) == len(sizes)
    assert sum(x.bytes_to_dst for x in stats.values()) == sum(sizes)
    for i, pair in enumerate(pairs):
        assert stats[pair].bytes_to_dst == sum(sizes[i::len(pairs)])


def test_proxy_for_a_generated_network(tmp_path: Path) -> None:
    net = generate_local_network(tmp_path / "net", 3, "dense", b"seed", accounts=1, links=True)
    proxy = proxy_for(net)
    assert [(x.src, x.dst, x.listen_port, x.target_port) for x in proxy.links] == \
        list(net.links)
    assert {(x.src, x.dst) for x in proxy.links} == {
        (a, b) for a in ("n0", "n1", "n2") for b in ("n0", "n1", "n2") if a != b}
    plain = generate_local_network(tmp_path / "plain", 2, "dense", b"seed", accounts=1)
    refused("node.linkproxy_bad_link", lambda: proxy_for(plain))
