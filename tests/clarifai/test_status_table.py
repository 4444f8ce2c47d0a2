"""The one status-code table (reference §7) agrees with clarifai-grpc's StatusCode enum."""
from __future__ import annotations

from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.clarifai import errors


def test_status_table_codes_and_names_match_clarifai_grpc_enum() -> None:
    wrong = [(spec.code, spec.name, status_code_pb2.StatusCode.Name(spec.code)
              if spec.code in status_code_pb2.StatusCode.values() else None)
             for spec in errors._TABLE
             if spec.code not in status_code_pb2.StatusCode.values()
             or status_code_pb2.StatusCode.Name(spec.code) != spec.name]
    assert wrong == []


def test_status_table_internal_uncategorized_is_99009() -> None:
    assert errors.BY_CODE[99009].name == "INTERNAL_UNCATEGORIZED"
