"""Files at rest: AES-256-GCM in chunks, so that an uploaded roster never lies on disk in clear.

An import file holds hundreds of resident ID numbers; DESIGN invariant 11 allows them in clear
nowhere but in memory. Files are therefore encrypted while they are written to storage and
decrypted while they are read, a chunk at a time, so a 50 MB upload never needs its ciphertext
and its plaintext in memory together.

Format (version 1)::

    header  = b"XBANKENC" | version (1 byte) | chunk size (4 bytes, big-endian) | file id (16 random bytes)
    record  = nonce (12 random bytes) | AES-GCM(chunk) with its 16-byte tag
    file    = header | record for chunk 0 | record for chunk 1 | … | record for the last chunk

Every chunk but the last holds exactly ``chunk size`` bytes of plaintext; the last holds the
rest (possibly nothing), so an empty file is one record. Each record is sealed with the header,
its index and a "final" flag as associated data: records cannot be reordered, moved to another
file, dropped from the end (the new last record was not sealed as final) or followed by more.
Any such change, like a flipped byte, raises ``FileTampered``.

The key is derived from ``settings.XBANK_PII_KEY`` with HKDF and its own ``info``
(``xbank.core.pii.derive_key``), so it never encrypts the same data as the column key.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from .pii import derive_key

MAGIC = b"XBANKENC"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
NONCE_SIZE = 12
TAG_SIZE = 16
_HEADER = struct.Struct(">8sBI16s")
HEADER_SIZE = _HEADER.size
_KEY_INFO = b"xbank file encryption"


class FileTampered(ValueError):
    """The bytes are not a file this application encrypted with this key, or were changed."""


def _aead() -> AESGCM:
    return AESGCM(derive_key(settings.XBANK_PII_KEY, _KEY_INFO))


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">Q?", index, final)


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes; fewer only at the end of the source (raw files may return short)."""
    parts: list[bytes] = []
    missing = size
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class Encryptor:
    """Seal a stream of plaintext chunk by chunk; ``update`` and ``finish`` return ciphertext.

    Also keeps the SHA-256 and the size of the plaintext, so a caller that stores a file learns
    its digest without a second pass."""

    def __init__(self, chunk_size: int = CHUNK_SIZE):
        self.chunk_size = chunk_size
        self.header = _HEADER.pack(MAGIC, VERSION, chunk_size, os.urandom(16))
        self._aead = _aead()
        self._index = 0
        self._pending = bytearray()
        self._started = False
        self._finished = False
        self.sha256 = hashlib.sha256()
        self.size = 0

    def _seal(self, chunk: bytes, final: bool) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._aead.encrypt(nonce, chunk, _aad(self.header, self._index, final))
        self._index += 1
        return nonce + sealed

    def _start(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        return self.header

    def update(self, data: bytes) -> bytes:
        """Ciphertext for every chunk that ``data`` completes; a chunk is sealed only once a
        later byte (or ``finish``) shows it is not the last."""
        if self._finished:
            raise ValueError("Encryptor already finished")
        self.sha256.update(data)
        self.size += len(data)
        self._pending += data
        out = [self._start()]
        size = self.chunk_size
        # Keep at least one byte back: the final record must be sealed as final.
        while len(self._pending) > size:
            out.append(self._seal(bytes(self._pending[:size]), final=False))
            del self._pending[:size]
        return b"".join(out)

    def finish(self) -> bytes:
        if self._finished:
            raise ValueError("Encryptor already finished")
        self._finished = True
        last = self._seal(bytes(self._pending), final=True)
        self._pending = bytearray()
        return self._start() + last


def encrypt_stream(source: BinaryIO, target: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Encryptor:
    """Encrypt ``source`` into ``target`` a chunk at a time; returns the finished ``Encryptor``
    (its ``sha256`` and ``size`` describe the plaintext)."""
    encryptor = Encryptor(chunk_size)
    while data := source.read(chunk_size):
        target.write(encryptor.update(data))
    target.write(encryptor.finish())
    return encryptor


def encrypt_bytes(data: bytes) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out)
    return out.getvalue()


def decrypt_chunks(source: BinaryIO) -> Iterator[bytes]:
    """Plaintext chunks of an encrypted stream, each checked before it is yielded.

    A consumer sees only authenticated bytes, but may see the first chunks of a file whose later
    chunks turn out to be tampered: act on the plaintext only once the iteration has ended."""
    header = _read_exactly(source, HEADER_SIZE)
    if len(header) != HEADER_SIZE:
        raise FileTampered("Encrypted file too short")
    magic, version, chunk_size, _ = _HEADER.unpack(header)
    if magic != MAGIC or version != VERSION or not 0 < chunk_size <= 64 * CHUNK_SIZE:
        raise FileTampered("Not an XBank encrypted file")
    aead = _aead()
    record_size = NONCE_SIZE + chunk_size + TAG_SIZE
    record = _read_exactly(source, record_size)
    index = 0
    while True:
        if len(record) < NONCE_SIZE + TAG_SIZE:
            raise FileTampered("Encrypted file truncated")
        following = _read_exactly(source, record_size) if len(record) == record_size else b""
        final = not following
        try:
            chunk = aead.decrypt(
                record[:NONCE_SIZE], record[NONCE_SIZE:], _aad(header, index, final)
            )
        except InvalidTag:
            raise FileTampered(f"Encrypted file chunk {index} fails authentication") from None
        yield chunk
        if final:
            return
        record, index = following, index + 1


def decrypt_stream(source: BinaryIO, target: BinaryIO) -> None:
    for chunk in decrypt_chunks(source):
        target.write(chunk)


def decrypt_bytes(data: bytes) -> bytes:
    return read_all(io.BytesIO(data))


def read_all(source: BinaryIO) -> bytes:
    """The whole plaintext as one ``bytes``, with no second copy of it held at the end."""
    out = io.BytesIO()
    decrypt_stream(source, out)
    return out.getvalue()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over an encrypted stream (for ``pickle.load`` and the like);
    wrap it in ``io.BufferedReader`` for ``readline``."""

    def __init__(self, source: BinaryIO):
        super().__init__()
        self._chunks = decrypt_chunks(source)
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def open_decrypted(source: BinaryIO) -> io.BufferedReader:
    return io.BufferedReader(DecryptingReader(source), buffer_size=64 * 1024)


class EncryptingWriter(io.RawIOBase):
    """A write-only file object that encrypts into ``target`` (for ``pickle.dump``); ``close``
    writes the final record (it does not close ``target``)."""

    def __init__(self, target: BinaryIO, chunk_size: int = CHUNK_SIZE):
        super().__init__()
        self._target = target
        self._encryptor = Encryptor(chunk_size)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._target.write(self._encryptor.update(bytes(data)))
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._target.write(self._encryptor.finish())
        super().close()


def spooled_ciphertext() -> tempfile.SpooledTemporaryFile:
    """Where ciphertext waits before it goes to storage: memory up to one chunk, then a
    temporary file, which holds nothing in clear."""
    return tempfile.SpooledTemporaryFile(max_size=CHUNK_SIZE + HEADER_SIZE + 64)
