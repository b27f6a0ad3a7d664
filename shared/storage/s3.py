"""Objects in an S3-compatible bucket (MinIO, AWS S3) through boto3.

The bucket is versioned; files go up through boto3's multipart transfer
manager reading their parts from disk (``put_file``), so memory stays flat
whatever the file size. A stream (``put``) costs at most two parts in memory."""
from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.domain.errors import AlreadyExists, Locked, NotFound, StorageUnavailable
from shared.storage.base import (
    BlobReader,
    BlobStore,
    LockState,
    ObjectLock,
    Presigner,
    StoredObject,
    validate_key,
)

_NOT_FOUND = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}
PART = 8 * 1024 * 1024


class S3Store(BlobStore):
    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        sse: str | None = None,
        lock_mode: str = "GOVERNANCE",
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.sse = sse
        self.lock_mode = lock_mode
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                s3={"addressing_style": "path"},
            ),
        )
        self.transfer = TransferConfig(
            multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=4
        )
        # a non-seekable stream is read ahead part by part; the default of ten
        # parts in memory would cost 80 MiB per upload
        self.transfer.max_in_memory_upload_chunks = 2

    # -- bucket set-up (operators and test fixtures) --------------------
    def create_bucket(self, *, object_lock: bool = True) -> None:
        """Create the bucket versioned (and with Object Lock, which implies versioning)."""
        with _translated(f"bucket {self.bucket}"):
            args: dict[str, Any] = {"Bucket": self.bucket}
            if object_lock:
                args["ObjectLockEnabledForBucket"] = True
            self.client.create_bucket(**args)
            self.client.put_bucket_versioning(
                Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
            )

    # -- BlobStore ------------------------------------------------------
    def put(self, key: str, source: BinaryIO, *, content_type: str) -> StoredObject:
        validate_key(key)
        if self.exists(key):
            raise AlreadyExists(f"object {key} already exists")
        counter = _CountingReader(source)
        with _translated(key):
            self.client.upload_fileobj(
                counter, self.bucket, key, ExtraArgs=self._put_args(content_type), Config=self.transfer
            )
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return StoredObject(key=key, version_id=head.get("VersionId"), size=counter.count)

    def put_file(self, key: str, path: Path, *, content_type: str) -> StoredObject:
        validate_key(key)
        if self.exists(key):
            raise AlreadyExists(f"object {key} already exists")
        with _translated(key):
            self.client.upload_file(str(path), self.bucket, key, ExtraArgs=self._put_args(content_type),
                                    Config=self.transfer)
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return StoredObject(key=key, version_id=head.get("VersionId"), size=path.stat().st_size)

    def _put_args(self, content_type: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"ContentType": content_type}
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
        return extra

    def _object(self, key: str, version_id: str | None) -> dict[str, Any]:
        """The arguments naming one object version (the latest without an id)."""
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": validate_key(key)}
        if version_id:
            args["VersionId"] = version_id
        return args

    def open(self, key: str, *, version_id: str | None = None) -> BlobReader:
        with _translated(key):
            return self.client.get_object(**self._object(key, version_id))["Body"]

    def delete(self, key: str) -> None:
        validate_key(key)
        with _translated(key):
            for version in self._versions(key):
                self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=version)

    def protect(self, key: str, *, version_id: str | None, retain_until: date | None,
                legal_hold: bool) -> None:
        """Retention only ever moves later (S3 refuses to shorten it); the legal
        hold covers what has no end date yet: permanent, pending or held."""
        args = self._object(key, version_id)
        with _translated(key):
            if retain_until is not None:
                until = datetime.combine(retain_until, datetime.min.time(), tzinfo=UTC)
                current = self.lock_state(key, version_id=version_id).retain_until
                if current is None or current < until:
                    self.client.put_object_retention(
                        **args, Retention={"Mode": self.lock_mode, "RetainUntilDate": until})
            self.client.put_object_legal_hold(**args, LegalHold={"Status": "ON" if legal_hold else "OFF"})

    # -- optional capabilities: Object Lock, presigned URLs -----------------
    def object_lock(self) -> ObjectLock:
        return self

    def presigner(self) -> Presigner:
        return self

    def lock_state(self, key: str, *, version_id: str | None) -> LockState:
        # HeadObject carries the lock (moto answers GetObjectRetention with a 500)
        with _translated(key):
            head = self.client.head_object(**self._object(key, version_id))
        until = head.get("ObjectLockRetainUntilDate")
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        return LockState(mode=head.get("ObjectLockMode"), retain_until=until,
                         legal_hold=head.get("ObjectLockLegalHoldStatus") == "ON")

    def destroy(self, key: str) -> None:
        validate_key(key)
        with _translated(key):
            self._abort_uploads(key)
            for version in self._versions(key):
                args = {"Bucket": self.bucket, "Key": key, "VersionId": version}
                # a delete marker, or a bucket without Object Lock: nothing to lift
                with contextlib.suppress(ClientError):
                    self.client.put_object_legal_hold(**args, LegalHold={"Status": "OFF"})
                self.client.delete_object(**args, BypassGovernanceRetention=True)

    def _abort_uploads(self, key: str) -> None:
        """Unfinished multipart uploads of ``key`` (a writer that crashed mid-way)."""
        found = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        for upload in found.get("Uploads", []):
            if upload["Key"] == key:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                                   UploadId=upload["UploadId"])

    def _versions(self, key: str) -> list[str]:
        """Every object version and delete marker of exactly ``key``."""
        found: list[str] = []
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                if entry["Key"] == key:
                    found.append(entry["VersionId"])
        return found

    def exists(self, key: str) -> bool:
        try:
            with _translated(key):
                self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except NotFound:
            return False
        return True

    def keys(self, prefix: str = "") -> list[str]:
        found: set[str] = set()
        with _translated(prefix or self.bucket):
            paginator = self.client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                found.update(v["Key"] for v in page.get("Versions", []))
        return sorted(found)

    def check(self) -> None:
        with _translated(f"bucket {self.bucket}"):
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
        if status != "Enabled":
            raise StorageUnavailable(f"bucket {self.bucket} does not have versioning enabled")

    def presign_get(self, key: str, *, version_id: str | None, filename: str, expires: int) -> str:
        params = {**self._object(key, version_id),
                  "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"}
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


class _CountingReader:
    """Counts bytes as boto3 pulls them, so the stored size needs no second read."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.count += len(chunk)
        return chunk


class _translated:
    """Turn botocore errors into domain errors at the adapter's edge."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND:
                raise NotFound(f"object {self.what} not found") from exc
            if code == "AccessDenied" and exc.operation_name == "DeleteObject":
                raise Locked(f"object {self.what} is under Object Lock retention or a legal hold",
                             detail=str(exc)) from exc
            raise StorageUnavailable(f"object store refused {self.what}: {code}", detail=str(exc)) from exc
        if isinstance(exc, (BotoCoreError, S3UploadFailedError)):
            raise StorageUnavailable(f"object store unreachable for {self.what}", detail=str(exc)) from exc
        return False
