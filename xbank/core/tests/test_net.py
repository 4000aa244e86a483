"""The client address behind reverse proxies (used by login throttling)."""

from django.test import RequestFactory

from xbank.core.net import client_ip


def request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_a_forwarded_header_is_ignored(settings):
    settings.XBANK_TRUSTED_PROXIES = 0
    assert client_ip(request(forwarded="198.51.100.7")) == "10.0.0.1"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.XBANK_TRUSTED_PROXIES = 1
    assert client_ip(request(forwarded="198.51.100.7")) == "198.51.100.7"
    # A client cannot choose its address by sending its own X-Forwarded-For.
    assert client_ip(request(forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.XBANK_TRUSTED_PROXIES = 2
    assert client_ip(request(forwarded="1.2.3.4, 198.51.100.7, 10.0.0.5")) == "198.51.100.7"


def test_a_missing_or_malformed_header_falls_back_to_the_peer(settings):
    settings.XBANK_TRUSTED_PROXIES = 1
    assert client_ip(request()) == "10.0.0.1"
    assert client_ip(request(forwarded="not-an-address")) == "10.0.0.1"
