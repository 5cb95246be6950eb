"""Fetching a report server's signed reports (``report.ReportAPI/GetReports``).

MobileCoin ``fog/report/connection/src/lib.rs`` (``GrpcFogReportConnection::fetch_fog_report``:
one plain gRPC call; the caller validates the answer with
:mod:`refimpl.fog.report.validate`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import grpc

from refimpl.errors import FogError
from refimpl.fog.api import report_pb2
from refimpl.fog.report.messages import ReportResponse
from refimpl.node.grpc_util import method_path, unary_call

GET_REPORTS = method_path("report.ReportAPI", "GetReports")


def report_target(url: str) -> str:
    """``HOST:PORT`` of an ``insecure-fog://`` report url (or a bare ``HOST:PORT``)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.scheme != "insecure-fog" or not parts.hostname:
        raise FogError("fog.report_bad_url",
                       f"{url!r}: only insecure-fog:// report servers can be dialled here")
    return f"{parts.hostname}:{parts.port or 3225}"


def fetch_reports(url: str, timeout_s: float = 10.0) -> ReportResponse:
    """The server's ``ReportResponse`` (unvalidated); ``fog.report_unreachable`` when the call
    fails, ``fog.report_*`` when the answer does not decode."""
    with grpc.insecure_channel(report_target(url)) as channel:
        try:
            reply = unary_call(channel, GET_REPORTS, report_pb2.ReportRequest(),
                               report_pb2.ReportResponse, timeout_s)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else None
            details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
            raise FogError("fog.report_unreachable",
                           f"GetReports at {url}: {code} {details}") from None
    return ReportResponse.from_pb(reply)
