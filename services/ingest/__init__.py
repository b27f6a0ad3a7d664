"""Ingest: check, hash, store and version what clerks upload."""
from shared.domain.metadata import FIELDS, UPLOAD_FIELDS, NewDocument, UploadField
from services.ingest.archive import add_version, archive_document
from services.ingest.spool import Spool, Upload, hash_file

__all__ = ["FIELDS", "UPLOAD_FIELDS", "NewDocument", "Spool", "Upload", "UploadField", "add_version",
           "archive_document", "hash_file"]
