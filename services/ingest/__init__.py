"""Ingest: check, hash, store and version what clerks upload."""
from services.ingest.archive import add_version, archive_document
from services.ingest.metadata import NewDocument
from services.ingest.spool import Spool, Upload, hash_file

__all__ = ["NewDocument", "Spool", "Upload", "add_version", "archive_document", "hash_file"]
