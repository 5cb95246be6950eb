"""Fog's gRPC wire messages: MobileCoin's fog protos, compiled to ``*_pb2`` modules.

Each ``.proto`` here mirrors one of MobileCoin's (``fog/api/proto/*.proto``,
``fog/report/api/proto/report.proto``, ``attest/api/proto/attest.proto``) with the same
packages, message, service and method names and field numbers. Regenerate the modules with
``tools/gen_protos.py``; tests/unit/fog/test_fog_protos.py checks they are current.
"""
