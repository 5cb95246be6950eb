"""The throwaway PostgreSQL server of ``tests/pg.py`` really stops and leaves nothing behind."""

from __future__ import annotations

import os
import socket

import psycopg
import pytest

from tests.pg import PostgresCluster, find_pg_bin, postgres_cluster, process_gone


def test_cluster_serves_then_stops_and_is_removed(postgres_server: PostgresCluster) -> None:
    bin_dir = find_pg_bin()
    assert bin_dir is not None  # the session server above needed it too
    with postgres_cluster(bin_dir) as cluster:
        assert cluster.port != postgres_server.port
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            user = conn.execute("SELECT current_user").fetchone()
        assert user == ("postgres",)
        pid = cluster.postmaster_pid()
        assert pid is not None
        if os.geteuid() == 0:
            assert cluster.run_as == "postgres"
            assert os.stat(cluster.data_dir).st_uid != 0  # postgres refuses root
    assert not cluster.base_dir.exists()
    assert process_gone(pid)  # exited (perhaps a zombie until init reaps it)
    with socket.socket() as sock, pytest.raises(OSError):
        sock.connect(("127.0.0.1", cluster.port))
