"""One contract for every BlobStore adapter: the local directory and S3 over HTTP."""
from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.domain.errors import AlreadyExists, InvalidInput, Locked, NotFound, StorageUnavailable
from shared.storage import BlobStore, ObjectLock
from shared.storage.local import LocalDirectoryStore
from shared.storage.s3 import S3Store
from tests.conftest import S3_ENDPOINT, s3_client


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalDirectoryStore(tmp_path / "objects")
        return
    bucket = request.getfixturevalue("s3_bucket")
    yield S3Store(bucket=bucket, endpoint_url=S3_ENDPOINT, access_key="test", secret_key="test")


def read_all(store: BlobStore, key: str, version_id: str | None = None) -> bytes:
    return b"".join(store.iter_chunks(key, version_id=version_id))


def test_put_then_open_returns_the_same_bytes(store: BlobStore) -> None:
    data = os.urandom(300_000)
    stored = store.put("documents/a/v1", io.BytesIO(data), content_type="application/pdf")
    assert stored.size == len(data)
    assert read_all(store, "documents/a/v1", stored.version_id) == data


def test_a_key_is_written_once(store: BlobStore) -> None:
    store.put("documents/a/v1", io.BytesIO(b"first"), content_type="application/pdf")
    with pytest.raises(AlreadyExists):
        store.put("documents/a/v1", io.BytesIO(b"second"), content_type="application/pdf")
    assert read_all(store, "documents/a/v1") == b"first"


def test_opening_a_missing_key_is_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        store.open("documents/none/v1")
    assert not store.exists("documents/none/v1")


def test_exists_and_keys_list_what_is_stored(store: BlobStore) -> None:
    for key in ("documents/a/v1", "documents/a/v2", "documents/b/v1"):
        store.put(key, io.BytesIO(key.encode()), content_type="image/png")
    assert store.exists("documents/a/v2")
    assert store.keys("documents/a/") == ["documents/a/v1", "documents/a/v2"]
    assert len(store.keys()) == 3


def test_delete_removes_the_object_and_deleting_twice_is_harmless(store: BlobStore) -> None:
    store.put("documents/a/v1", io.BytesIO(b"bytes"), content_type="image/png")
    store.delete("documents/a/v1")
    store.delete("documents/a/v1")
    assert not store.exists("documents/a/v1")
    assert store.keys() == []


@pytest.mark.parametrize("key", ["../escape", "/absolute", "a//b", "a/../b", "", "a b"])
def test_unsafe_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        store.put(key, io.BytesIO(b"x"), content_type="image/png")


def test_a_large_object_streams_through_in_parts(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "large.bin"
    with source.open("wb") as out:
        for _ in range(20):
            out.write(os.urandom(1024 * 1024))
    with source.open("rb") as handle:
        stored = store.put("documents/large/v1", handle, content_type="application/pdf")
    assert stored.size == 20 * 1024 * 1024
    assert read_all(store, "documents/large/v1") == source.read_bytes()


def test_check_passes_on_a_working_store(store: BlobStore) -> None:
    store.check()


# optional capabilities: each store answers with one, or with None ------

OFFERED = {"local": set(), "s3": {"object_lock", "presigner"}}


def test_each_store_answers_which_optional_capabilities_it_has(store: BlobStore) -> None:
    answers = {"object_lock": store.object_lock(), "presigner": store.presigner()}
    assert {name for name, capability in answers.items() if capability is not None} == OFFERED[store.name]


def test_a_directory_has_no_lock_of_its_own_and_protect_changes_nothing(tmp_path: Path) -> None:
    local = LocalDirectoryStore(tmp_path / "objects")
    stored = local.put("documents/n/v1", io.BytesIO(b"unlocked"), content_type="image/png")
    local.protect("documents/n/v1", version_id=stored.version_id, retain_until=date(2054, 3, 15),
                  legal_hold=True)
    assert local.object_lock() is None
    local.delete("documents/n/v1")  # the application is the only guard
    assert not local.exists("documents/n/v1")


# S3 specifics ---------------------------------------------------------

@pytest.fixture
def s3_store(s3_bucket: str) -> S3Store:
    return S3Store(bucket=s3_bucket, endpoint_url=S3_ENDPOINT, access_key="test", secret_key="test")


def test_s3_large_upload_is_multipart(s3_store: S3Store, tmp_path: Path) -> None:
    source = tmp_path / "large.bin"
    source.write_bytes(os.urandom(20 * 1024 * 1024))
    with source.open("rb") as handle:
        s3_store.put("documents/mp/v1", handle, content_type="application/pdf")
    etag = s3_client(S3_ENDPOINT or "").head_object(Bucket=s3_store.bucket, Key="documents/mp/v1")["ETag"]
    assert etag.strip('"').endswith("-3"), etag  # 20 MiB in 8 MiB parts


def test_s3_delete_removes_every_object_version(s3_store: S3Store) -> None:
    client = s3_client(S3_ENDPOINT or "")
    s3_store.put("documents/v/v1", io.BytesIO(b"one"), content_type="image/png")
    client.put_object(Bucket=s3_store.bucket, Key="documents/v/v1", Body=b"two")  # a second version
    versions = client.list_object_versions(Bucket=s3_store.bucket, Prefix="documents/v/")
    assert len(versions["Versions"]) == 2
    s3_store.delete("documents/v/v1")
    left = client.list_object_versions(Bucket=s3_store.bucket, Prefix="documents/v/")
    assert left.get("Versions", []) == [] and left.get("DeleteMarkers", []) == []


def test_s3_reads_an_older_version_by_id(s3_store: S3Store) -> None:
    first = s3_store.put("documents/o/v1", io.BytesIO(b"original"), content_type="image/png")
    s3_client(S3_ENDPOINT or "").put_object(Bucket=s3_store.bucket, Key="documents/o/v1", Body=b"later")
    assert first.version_id
    assert read_all(s3_store, "documents/o/v1", first.version_id) == b"original"


def test_s3_presigned_get_downloads_the_bytes(s3_store: S3Store) -> None:
    stored = s3_store.put("documents/p/v1", io.BytesIO(b"%PDF-presigned"), content_type="application/pdf")
    presigner = s3_store.presigner()
    assert presigner is not None
    url = presigner.presign_get("documents/p/v1", version_id=stored.version_id,
                                filename="合同.pdf", expires=60)
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-presigned"
    assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"


def test_s3_check_refuses_a_bucket_without_versioning(s3_store: S3Store) -> None:
    name = f"plain-{uuid.uuid4().hex[:12]}"
    s3_client(S3_ENDPOINT or "").create_bucket(Bucket=name)
    plain = S3Store(bucket=name, endpoint_url=S3_ENDPOINT, access_key="test", secret_key="test")
    with pytest.raises(StorageUnavailable, match="versioning"):
        plain.check()
    s3_client(S3_ENDPOINT or "").delete_bucket(Bucket=name)


def test_s3_unreachable_endpoint_is_storage_unavailable() -> None:
    dead = S3Store(bucket="nothing", endpoint_url="http://127.0.0.1:9", access_key="t", secret_key="t")
    with pytest.raises(StorageUnavailable):
        dead.put("documents/x/v1", io.BytesIO(b"x"), content_type="image/png")
    with pytest.raises(StorageUnavailable):
        dead.check()


def test_put_file_stores_a_file_from_disk(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "scan.bin"
    source.write_bytes(os.urandom(9 * 1024 * 1024 + 17))
    stored = store.put_file("documents/f/v1", source, content_type="image/tiff")
    assert stored.size == source.stat().st_size
    assert read_all(store, "documents/f/v1", stored.version_id) == source.read_bytes()
    with pytest.raises(AlreadyExists):
        store.put_file("documents/f/v1", source, content_type="image/tiff")


def test_destroy_removes_an_object_whatever_the_store(store: BlobStore) -> None:
    stored = store.put("documents/d/v1", io.BytesIO(b"to destroy"), content_type="image/png")
    store.protect("documents/d/v1", version_id=stored.version_id, retain_until=None, legal_hold=True)
    store.destroy("documents/d/v1")
    assert store.keys() == []


def test_s3_object_lock_refuses_an_early_delete(s3_store: S3Store) -> None:
    stored = s3_store.put("documents/l/v1", io.BytesIO(b"kept"), content_type="application/pdf")
    s3_store.protect("documents/l/v1", version_id=stored.version_id, retain_until=date(2054, 3, 15),
                     legal_hold=False)
    with pytest.raises(Locked):
        s3_store.delete("documents/l/v1")
    raw = s3_client(S3_ENDPOINT or "")
    with pytest.raises(Exception, match="AccessDenied"):  # and so is anyone else's plain delete
        raw.delete_object(Bucket=s3_store.bucket, Key="documents/l/v1", VersionId=stored.version_id)
    # read back with HeadObject (moto answers GetObjectRetention with a 500)
    head = raw.head_object(Bucket=s3_store.bucket, Key="documents/l/v1", VersionId=stored.version_id)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"].date() == date(2054, 3, 15)
    assert s3_store.exists("documents/l/v1")


def test_s3_retention_only_moves_later_and_a_legal_hold_blocks_even_bypass(s3_store: S3Store) -> None:
    raw = s3_client(S3_ENDPOINT or "")
    stored = s3_store.put("documents/h/v1", io.BytesIO(b"held"), content_type="application/pdf")
    key = {"Bucket": s3_store.bucket, "Key": "documents/h/v1", "VersionId": stored.version_id}
    s3_store.protect("documents/h/v1", version_id=stored.version_id, retain_until=date(2040, 1, 1),
                     legal_hold=True)
    s3_store.protect("documents/h/v1", version_id=stored.version_id, retain_until=date(2030, 1, 1),
                     legal_hold=True)
    head = raw.head_object(**key)
    assert head["ObjectLockRetainUntilDate"].year == 2040
    assert head["ObjectLockLegalHoldStatus"] == "ON"
    with pytest.raises(Exception, match="AccessDenied"):
        raw.delete_object(**key, BypassGovernanceRetention=True)
    s3_store.destroy("documents/h/v1")  # after approval: lifts the hold, bypasses governance
    assert raw.list_object_versions(Bucket=s3_store.bucket).get("Versions", []) == []


def s3_lock(s3_store: S3Store) -> ObjectLock:
    lock = s3_store.object_lock()
    assert lock is not None
    return lock


def test_s3_lock_state_reads_back_what_protect_set(s3_store: S3Store) -> None:
    stored = s3_store.put("documents/r/v1", io.BytesIO(b"locked"), content_type="application/pdf")
    lock = s3_lock(s3_store)
    fresh = lock.lock_state("documents/r/v1", version_id=stored.version_id)
    assert (fresh.retain_until, fresh.legal_hold, fresh.locked) == (None, False, False)
    s3_store.protect("documents/r/v1", version_id=stored.version_id, retain_until=date(2054, 3, 15),
                     legal_hold=False)
    retained = lock.lock_state("documents/r/v1", version_id=stored.version_id)
    assert retained.mode == "GOVERNANCE"
    assert retained.retain_until is not None and retained.retain_until.date() == date(2054, 3, 15)
    assert (retained.legal_hold, retained.locked) == (False, True)
    s3_store.protect("documents/r/v1", version_id=stored.version_id, retain_until=None, legal_hold=True)
    held = lock.lock_state("documents/r/v1", version_id=None)  # the latest version
    assert (held.legal_hold, held.locked) == (True, True)


def test_s3_lock_state_of_a_missing_object_is_not_found(s3_store: S3Store) -> None:
    with pytest.raises(NotFound):
        s3_lock(s3_store).lock_state("documents/none/v1", version_id=None)
