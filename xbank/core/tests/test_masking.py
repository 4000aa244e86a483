"""No ID or mobile number in clear in free text: ``pii.mask_text`` and the logging filter.

Expected values are written out by hand: 18-character numbers keep 6 + 4 characters, 15-digit
legacy numbers 6 + 4, mobiles 3 + 4."""

import io
import logging
import sys
from datetime import timedelta

import pytest

from xbank.core.logging import GunicornLogger, MaskPIIFilter
from xbank.core.pii import mask_data, mask_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11010519491231002X", "110105********002X"),
        ("id=11010519491231002x&page=2", "id=110105********002x&page=2"),
        ("/learners/?q=440106199001011234", "/learners/?q=440106********1234"),
        (
            "身份证号11010519491231002X，电话13812345678。",
            "身份证号110105********002X，电话138****5678。",
        ),
        ("legacy 110105491231002 refused", "legacy 110105*****1002 refused"),
        ("tel:+8613912345678", "tel:+86139****5678"),
        (
            "full width １１０１０５１９４９１２３１００２Ｘ",
            "full width １１０１０５********００２Ｘ",
        ),
        # A login redirect percent-escapes the query string of the page asked for.
        (
            "next=/learners/%3Fid_number%3D11010519491231002X%26phone%3D13812345678",
            "next=/learners/%3Fid_number%3D110105********002X%26phone%3D138****5678",
        ),
        # Not shaped like one: longer digit runs, hex digests, ticket numbers, landlines.
        ("1101051949123100211", "1101051949123100211"),
        ("hash a3f11010519491231002Xb", "hash a3f11010519491231002Xb"),
        ("ticket 20240004201007", "ticket 20240004201007"),
        ("020-87654321 and 12812345678", "020-87654321 and 12812345678"),
    ],
)
def test_it_masks_id_and_mobile_shaped_numbers_only(text, expected):
    assert mask_text(text) == expected


def test_it_masks_through_nested_data_and_leaves_other_values_alone():
    data = {
        "filters": {"q": "11010519491231002X", "page": 2},
        "rows": [["13812345678", 3], ("440106199001011234",)],
        "ok": True,
        "n": 110105194912310021,
        "13812345678": None,
    }
    assert mask_data(data) == {
        "filters": {"q": "110105********002X", "page": 2},
        "rows": [["138****5678", 3], ["440106********1234"]],
        "ok": True,
        "n": "110105********0021",
        "138****5678": None,
    }


def _record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("xbank.test", logging.INFO, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_a_record_with_args():
    record = _record("Export by %s of %s", "alice", "/learners/?q=11010519491231002X")
    assert MaskPIIFilter().filter(record) is True
    assert record.getMessage() == "Export by alice of /learners/?q=110105********002X"


def test_the_filter_masks_a_preformatted_message():
    record = _record("Lookup 440106199001011234 phone 13812345678 failed")
    MaskPIIFilter().filter(record)
    assert logging.Formatter().format(record) == (
        "Lookup 440106********1234 phone 138****5678 failed"
    )


def test_the_filter_masks_a_traceback():
    try:
        raise ValueError("bad 11010519491231002X")
    except ValueError:
        record = _record("failed", exc_info=sys.exc_info())
    MaskPIIFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError: bad 110105********002X" in text
    assert "11010519491231002X" not in text


def _configured(name: str) -> list[logging.Handler]:
    """The handlers settings.LOGGING put there (pytest adds its own capturing handlers)."""
    return [h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler]


def test_every_configured_handler_masks():
    """Django's request log and runserver's access log, as configured in settings.LOGGING."""
    stream = io.StringIO()
    assert logging.getLogger("django").handlers == []  # Django's own, filterless ones are gone
    for name in ("django.server", ""):
        assert _configured(name), name
        for handler in _configured(name):
            assert any(isinstance(f, MaskPIIFilter) for f in handler.filters), name
    handler = _configured("django.server")[0]
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s',
            "GET /learners/?q=11010519491231002X HTTP/1.1",
            "200",
            "512",
            extra={"server_time": "03/Dec/2026 10:00:00", "status_code": 200},
        )
    finally:
        handler.setStream(previous)
    assert stream.getvalue() == (
        '[03/Dec/2026 10:00:00] "GET /learners/?q=110105********002X HTTP/1.1" 200 512\n'
    )


class _Response:
    status = "200 OK"
    sent = 512
    headers = []


def test_gunicorns_access_log_is_masked(tmp_path):
    from gunicorn.config import Config

    path = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(path))
    log = GunicornLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/learners/?q=11010519491231002X&tel=13812345678",
        "QUERY_STRING": "q=11010519491231002X&tel=13812345678",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    log.access(_Response(), [], environ, timedelta(milliseconds=5))
    for handler in log.access_log.handlers:
        handler.flush()
    line = path.read_text()
    assert '"GET /learners/?q=110105********002X&tel=138****5678 HTTP/1.1" 200 512' in line
    assert "11010519491231002X" not in line and "13812345678" not in line
