"""Files at rest (``xbank.core.filecrypt``): nothing readable on disk, any change detected, and
streaming that keeps memory flat whatever the file size."""

import filecmp
import io
import os
import struct
import tracemalloc

import pytest

from xbank.core import filecrypt
from xbank.core.filecrypt import FileTampered

ID_NUMBER = b"11010519491231002X"  # GB 11643-1999's published example
SMALL_CHUNK = 64  # bytes: many chunks from a small plaintext


def _roster(rows: int = 100) -> bytes:
    return b"".join(b"%d,\xe5\xbc\xa0\xe4\xb8\x89," % i + ID_NUMBER + b"\n" for i in range(rows))


def _records(blob: bytes, chunk_size: int) -> tuple[bytes, list[bytes]]:
    """Split a ciphertext into header and records, as the format document says (not the code)."""
    header, rest = blob[:29], blob[29:]
    size = 12 + chunk_size + 16
    return header, [rest[i : i + size] for i in range(0, len(rest), size)]


def _encrypt(data: bytes, chunk_size: int = SMALL_CHUNK) -> bytes:
    out = io.BytesIO()
    filecrypt.encrypt_stream(io.BytesIO(data), out, chunk_size=chunk_size)
    return out.getvalue()


def test_it_round_trips_files_of_every_length_around_the_chunk_size():
    for length in (0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK, 1000):
        data = os.urandom(length)
        assert filecrypt.read_all(io.BytesIO(_encrypt(data))) == data, length


def test_it_leaves_neither_the_id_number_nor_the_zip_signature_in_the_ciphertext():
    data = b"PK\x03\x04" + _roster()
    blob = filecrypt.encrypt_bytes(data)
    assert ID_NUMBER not in blob
    assert b"PK\x03\x04" not in blob
    assert blob.startswith(b"XBANKENC\x01")
    # One 1 MiB chunk: header 29 + nonce 12 + plaintext + tag 16.
    assert len(blob) == 29 + 12 + len(data) + 16
    assert filecrypt.decrypt_bytes(blob) == data


def test_it_keeps_the_sha256_and_size_of_the_plaintext():
    encryptor = filecrypt.encrypt_stream(io.BytesIO(b"abc"), io.BytesIO())
    # SHA-256("abc"), FIPS 180-2 appendix B.1
    assert encryptor.sha256.hexdigest() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert encryptor.size == 3


def test_it_encrypts_the_same_file_differently_each_time():
    assert filecrypt.encrypt_bytes(b"same") != filecrypt.encrypt_bytes(b"same")


@pytest.mark.parametrize("position", [0, 8, 13, 29, 29 + 12, 29 + 12 + 5, -1])
def test_it_refuses_a_file_with_any_byte_flipped(position):
    blob = bytearray(_encrypt(_roster(5)))
    blob[position] ^= 0x01
    with pytest.raises(FileTampered):
        filecrypt.decrypt_bytes(bytes(blob))


def test_it_refuses_reordered_chunks():
    header, records = _records(_encrypt(_roster(5)), SMALL_CHUNK)
    assert len(records) == 3  # 5 rows of 28 bytes = 140 bytes: 64 + 64 + 12
    swapped = [records[1], records[0], *records[2:]]
    with pytest.raises(FileTampered, match="chunk 0"):
        filecrypt.decrypt_bytes(header + b"".join(swapped))


def test_it_refuses_a_file_cut_at_a_chunk_boundary():
    header, records = _records(_encrypt(_roster(5)), SMALL_CHUNK)
    with pytest.raises(FileTampered):
        filecrypt.decrypt_bytes(header + b"".join(records[:-1]))


def test_it_refuses_a_file_cut_inside_a_chunk_or_the_header():
    blob = _encrypt(_roster(5))
    for cut in (10, 29, 29 + 20, len(blob) - 1):
        with pytest.raises(FileTampered):
            filecrypt.decrypt_bytes(blob[:cut])


def test_it_refuses_a_chunk_moved_from_another_file():
    header, records = _records(_encrypt(_roster(5)), SMALL_CHUNK)
    _, other = _records(_encrypt(_roster(5)), SMALL_CHUNK)
    with pytest.raises(FileTampered):
        filecrypt.decrypt_bytes(header + other[0] + b"".join(records[1:]))


def test_it_refuses_a_changed_chunk_size_in_the_header():
    blob = _encrypt(_roster(5))
    forged = blob[:9] + struct.pack(">I", SMALL_CHUNK * 2) + blob[13:]
    with pytest.raises(FileTampered):
        filecrypt.decrypt_bytes(forged)


def test_it_refuses_a_file_encrypted_with_another_key(settings):
    blob = filecrypt.encrypt_bytes(b"data")
    settings.XBANK_PII_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 other bytes
    with pytest.raises(FileTampered):
        filecrypt.decrypt_bytes(blob)


def test_it_refuses_a_file_in_clear():
    with pytest.raises(FileTampered):
        filecrypt.decrypt_bytes(b"PK\x03\x04" + _roster())


def test_the_writer_and_reader_objects_stream_a_pickle_like_consumer():
    target = io.BytesIO()
    with filecrypt.EncryptingWriter(target, chunk_size=SMALL_CHUNK) as writer:
        for line in _roster(20).splitlines(keepends=True):
            writer.write(line)
    target.seek(0)
    reader = filecrypt.open_decrypted(target)
    first = reader.readline()
    assert first == b"0,\xe5\xbc\xa0\xe4\xb8\x89," + ID_NUMBER + b"\n"
    assert first + reader.read() == _roster(20)


def test_the_reader_yields_exactly_the_plaintext():
    data = _roster(50)
    reader = filecrypt.open_decrypted(io.BytesIO(_encrypt(data)))
    first = reader.readline()
    assert first + reader.read() == data


FIFTY_MB = 50 * 1024 * 1024


def _peak_while(action) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_a_50_mb_file_keeps_peak_memory_far_below_its_size(tmp_path):
    plain, sealed, back = tmp_path / "plain", tmp_path / "sealed", tmp_path / "back"
    with plain.open("wb") as handle:
        block = os.urandom(1024 * 1024)
        for _ in range(FIFTY_MB // len(block)):
            handle.write(block)

    def encrypt():
        with plain.open("rb") as source, sealed.open("wb") as target:
            filecrypt.encrypt_stream(source, target)

    def decrypt():
        with sealed.open("rb") as source, back.open("wb") as target:
            filecrypt.decrypt_stream(source, target)

    encrypt_peak = _peak_while(encrypt)
    decrypt_peak = _peak_while(decrypt)
    assert encrypt_peak < 16 * 1024 * 1024, encrypt_peak
    assert decrypt_peak < 16 * 1024 * 1024, decrypt_peak
    assert sealed.stat().st_size > FIFTY_MB
    assert back.stat().st_size == FIFTY_MB
    assert filecmp.cmp(plain, back, shallow=False)


def test_reading_a_50_mb_file_into_memory_holds_one_copy_not_two(tmp_path):
    sealed = tmp_path / "sealed"
    with sealed.open("wb") as target:
        filecrypt.encrypt_stream(io.BytesIO(b"\x00" * FIFTY_MB), target)
    result = {}

    def read():
        with sealed.open("rb") as source:
            result["data"] = filecrypt.read_all(source)

    peak = _peak_while(read)
    assert len(result["data"]) == FIFTY_MB
    # The plaintext itself plus growth slack and a chunk or two; two copies would be 100 MB.
    assert peak < FIFTY_MB * 1.4, peak
