"""A loopback TCP forwarder on every directed peer link, to partition a local network.

Why: a partition test must cut and heal the links between validator processes without test
hooks inside the node. :func:`refimpl.node.localnet.generate_local_network` with ``links=True``
points every node's broadcast-peer URI for a peer at a link port of its own (keeping the
peer's responder id and message key), and a :class:`LinkProxy` forwards each link port to the
peer's real peer port. Cutting a link closes its open connections and drops new ones until it
is healed: to the node this is a peer that stopped answering, which is what a real partition
looks like. MobileCoin's local network (``tools/local-network/local_network.py``) has no such
tool; its fault tests stop and start whole nodes.

A link is ``(src, dst, listen_port, target_port)``: connections accepted on
``127.0.0.1:listen_port`` are piped both ways to ``127.0.0.1:target_port``, one thread per
direction per connection; an end-of-file is passed on as a half-close and a connection ends
when both directions have ended or either fails. One selector thread accepts on every listen
port. A connection accepted on a cut link is reset at once (``SO_LINGER`` 0), so a client sees
a refused peer rather than a silent one.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence, Set
from typing import TYPE_CHECKING

import attrs

from refimpl.errors import NodeError

if TYPE_CHECKING:
    from refimpl.node.localnet import LocalNetwork

HOST = "127.0.0.1"
#: Bytes read per ``recv``.
CHUNK = 65536
#: How long a forwarded connection may take to reach its target.
CONNECT_TIMEOUT_S = 5.0
#: :meth:`LinkProxy.stop` joins every thread within this many seconds in total.
STOP_TIMEOUT_S = 5.0
_LINGER_RESET = struct.pack("ii", 1, 0)


@attrs.frozen
class Link:
    """One directed peer link: ``src`` dials ``dst`` through ``listen_port``."""

    src: str
    dst: str
    listen_port: int
    target_port: int


@attrs.frozen
class LinkStats:
    """What one link carried (:meth:`LinkProxy.stats`)."""

    bytes_to_dst: int
    """Bytes from the dialling side (``src``) to ``dst``."""
    bytes_to_src: int
    accepted: int
    """Connections forwarded."""
    dropped: int
    """Connections reset on arrival because the link was cut (or the target was down)."""
    cut_open: int
    """Open connections closed by a cut or by :meth:`LinkProxy.stop`."""
    open: int


def _bad_link(message: str) -> NodeError:
    return NodeError("node.linkproxy_bad_link", message[:300])


def _check_links(links: Iterable[Link | tuple[str, str, int, int]]) -> tuple[Link, ...]:
    out: list[Link] = []
    for raw in links:
        link = raw if isinstance(raw, Link) else Link(*raw)
        for port in (link.listen_port, link.target_port):
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise _bad_link(f"link {link}: ports must be integers in 1..65535")
        if not (isinstance(link.src, str) and isinstance(link.dst, str) and link.src and
                link.dst and link.src != link.dst):
            raise _bad_link(f"link {link}: src and dst must be two different node names")
        out.append(link)
    if len({x.listen_port for x in out}) != len(out):
        raise _bad_link("two links share a listen port")
    if len({(x.src, x.dst) for x in out}) != len(out):
        raise _bad_link("a (src, dst) pair appears twice")
    if {x.listen_port for x in out} & {x.target_port for x in out}:
        raise _bad_link("a listen port is also a target port")
    return tuple(out)


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` with a TCP reset."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    except OSError:
        pass
    sock.close()


class _Conn:
    """One forwarded connection: the accepted socket and its upstream socket."""

    def __init__(self, link: int, down: socket.socket, up: socket.socket) -> None:
        self.link = link
        self.down = down
        self.up = up
        self._lock = threading.Lock()
        self._pumps_left = 2
        self.aborted = False

    def abort(self) -> None:
        """Wake both pumps (they close the sockets when the last one leaves)."""
        with self._lock:
            if self._pumps_left == 0:
                return
            self.aborted = True
            for s in (self.down, self.up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def pump_done(self) -> bool:
        """One pump left; True (and both sockets closed) when it was the last."""
        with self._lock:
            self._pumps_left -= 1
            if self._pumps_left:
                return False
        for s in (self.down, self.up):
            (_reset if self.aborted else socket.socket.close)(s)
        return True


class LinkProxy:
    """Forwarders for many links at once; see the module docstring.

    Cuts accumulate (:meth:`cut`, :meth:`cut_node`, :meth:`cut_link`) until :meth:`heal` (or
    :meth:`heal_link` for one direction)."""

    def __init__(self, links: Iterable[Link | tuple[str, str, int, int]]) -> None:
        self.links = _check_links(links)
        self._nodes = {x.src for x in self.links} | {x.dst for x in self.links}
        self._lock = threading.Lock()
        self._cut: set[int] = set()
        self._conns: set[_Conn] = set()
        self._threads: set[threading.Thread] = set()
        self._counts = [[0, 0, 0, 0, 0] for _ in self.links]  # to_dst to_src acc drop cut
        self._listeners: list[socket.socket] = []
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._accepter: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Bind every listen port on 127.0.0.1 and start accepting
        (``node.linkproxy_bind_failed`` if a port is taken; nothing is left bound then)."""
        if self._accepter is not None:
            return
        listeners: list[socket.socket] = []
        try:
            for link in self.links:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listeners.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((HOST, link.listen_port))
                s.listen(64)
                s.setblocking(False)
        except OSError as exc:
            for s in listeners:
                s.close()
            raise NodeError("node.linkproxy_bind_failed",
                            f"cannot listen on {HOST}:{self.links[len(listeners) - 1].listen_port}"
                            f" ({exc.strerror})") from None
        self._listeners = listeners
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        selector = selectors.DefaultSelector()
        for i, s in enumerate(listeners):
            selector.register(s, selectors.EVENT_READ, i)
        selector.register(self._wake_r, selectors.EVENT_READ, -1)
        self._selector = selector
        self._stopping.clear()
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True,
                                          name="linkproxy-accept")
        self._accepter.start()

    def stop(self) -> None:
        """Close every listener and connection; join every thread (bounded by
        :data:`STOP_TIMEOUT_S` in total). The proxy may be started again."""
        if self._accepter is None:
            return
        deadline = time.monotonic() + STOP_TIMEOUT_S
        self._stopping.set()
        assert self._wake_w is not None
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._accepter.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:
            self._count(conn.link, 4)
            conn.abort()
        while threads and time.monotonic() < deadline:  # pumps may spawn a last pump
            for t in threads:
                t.join(timeout=max(0.0, deadline - time.monotonic()))
            with self._lock:
                threads = [t for t in self._threads if t.is_alive()]
        assert self._selector is not None and self._wake_r is not None
        self._selector.close()
        for s in [*self._listeners, self._wake_r, self._wake_w]:
            s.close()
        self._listeners = []
        self._accepter = None

    def __enter__(self) -> LinkProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- partitions ------------------------------------------------------------------------

    def cut(self, groups: Sequence[Set[str]]) -> None:
        """Cut every link whose two ends are in different ``groups`` (nodes in no group keep
        their links): open connections on them are reset at once, new ones until
        :meth:`heal`. ``node.linkproxy_bad_groups`` if a node is in two groups,
        ``node.linkproxy_unknown_node`` for a name on no link."""
        where: dict[str, int] = {}
        for g, group in enumerate(groups):
            for name in group:
                if name in where:
                    raise NodeError("node.linkproxy_bad_groups", f"{name!r} is in two groups")
                where[name] = g
        self._known(where)
        self._cut_links({i for i, x in enumerate(self.links)
                         if x.src in where and x.dst in where and where[x.src] != where[x.dst]})

    def cut_node(self, name: str) -> None:
        """Cut every link from and to ``name``."""
        self._known([name])
        self._cut_links({i for i, x in enumerate(self.links) if name in (x.src, x.dst)})

    isolate = cut_node

    def cut_link(self, src: str, dst: str) -> None:
        """Cut the one direction ``src`` dials ``dst`` (an asymmetric fault)."""
        self._known([src, dst])
        self._cut_links({i for i, x in enumerate(self.links) if (x.src, x.dst) == (src, dst)})

    def heal(self) -> None:
        """Restore every link (connections are made afresh by the peers)."""
        with self._lock:
            self._cut.clear()

    def heal_link(self, src: str, dst: str) -> None:
        """Restore the one direction ``src`` dials ``dst`` (a partial heal)."""
        self._known([src, dst])
        with self._lock:
            self._cut -= {i for i, x in enumerate(self.links) if (x.src, x.dst) == (src, dst)}

    def is_cut(self, src: str, dst: str) -> bool:
        with self._lock:
            return any((self.links[i].src, self.links[i].dst) == (src, dst) for i in self._cut)

    def _known(self, names: Iterable[str]) -> None:
        unknown = sorted(set(names) - self._nodes)
        if unknown:
            raise NodeError("node.linkproxy_unknown_node",
                            f"no link touches {', '.join(map(repr, unknown))}"[:300])

    def _cut_links(self, indices: Set[int]) -> None:
        with self._lock:
            self._cut |= indices
            doomed = [c for c in self._conns if c.link in indices]
        for conn in doomed:
            self._count(conn.link, 4)
            conn.abort()

    # --- statistics ------------------------------------------------------------------------

    def stats(self) -> dict[tuple[str, str], LinkStats]:
        """``(src, dst) -> LinkStats`` of every link, a snapshot."""
        with self._lock:
            opened = [0] * len(self.links)
            for c in self._conns:
                opened[c.link] += 1
            out = {}
            for i, x in enumerate(self.links):
                to_dst, to_src, accepted, dropped, cut_open = self._counts[i]
                out[(x.src, x.dst)] = LinkStats(to_dst, to_src, accepted, dropped, cut_open,
                                                opened[i])
            return out

    def _count(self, link: int, field: int, n: int = 1) -> None:
        with self._lock:
            self._counts[link][field] += n

    # --- forwarding ------------------------------------------------------------------------

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name="linkproxy-pump")
        with self._lock:
            self._threads = {x for x in self._threads if x.is_alive()}
            self._threads.add(t)
        t.start()

    def _accept_loop(self) -> None:
        assert self._selector is not None
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=1.0):
                if key.data < 0 or self._stopping.is_set():
                    return
                try:
                    sock, _addr = self._listeners[key.data].accept()
                except OSError:  # BlockingIOError when another wake-up took it; EMFILE
                    continue
                sock.setblocking(True)
                with self._lock:
                    cut = key.data in self._cut
                if cut:
                    self._count(key.data, 3)
                    _reset(sock)
                else:
                    self._spawn(self._connect, key.data, sock)

    def _connect(self, link: int, down: socket.socket) -> None:
        """Dial the target, then pump one direction here and the other in a new thread."""
        try:
            up = socket.create_connection((HOST, self.links[link].target_port),
                                          timeout=CONNECT_TIMEOUT_S)
            up.settimeout(None)
        except OSError:
            self._count(link, 3)
            _reset(down)
            return
        for s in (down, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Conn(link, down, up)
        with self._lock:
            racing = link in self._cut or self._stopping.is_set()
            if not racing:
                self._conns.add(conn)
                self._counts[link][2] += 1
        if racing:  # cut (or stopped) while dialling
            self._count(link, 3)
            _reset(down)
            _reset(up)
            return
        self._spawn(self._pump, conn, up, down, 1)
        self._pump(conn, down, up, 0)

    def _pump(self, conn: _Conn, src: socket.socket, dst: socket.socket, field: int) -> None:
        """Copy ``src`` to ``dst`` until end of file (passed on as a half-close) or an
        error (which ends both directions)."""
        try:
            while True:
                data = src.recv(CHUNK)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    break
                dst.sendall(data)
                self._count(conn.link, field, len(data))
        except OSError:
            conn.abort()
        finally:
            if conn.pump_done():
                with self._lock:
                    self._conns.discard(conn)


def proxy_for(network: LocalNetwork) -> LinkProxy:
    """The (unstarted) proxy of a network generated with ``links=True``
    (``node.linkproxy_bad_link`` if it has no links)."""
    if not network.links:
        raise _bad_link(f"the network in {network.base_dir} was generated without links")
    return LinkProxy(network.links)
