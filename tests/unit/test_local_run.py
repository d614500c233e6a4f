"""`make run`'s settings: the edge key and admin token it takes from the environment."""

from __future__ import annotations

import pytest

from local.run import DEFAULT_ADMIN_TOKEN, configured
from local.site import local_networks
from local.stack import LOCAL_EDGE_KEY


@pytest.mark.parametrize(
    ("environ", "edge_key", "admin_token"),
    [
        ({}, LOCAL_EDGE_KEY, DEFAULT_ADMIN_TOKEN),
        ({"EDGE_KEY": ""}, LOCAL_EDGE_KEY, DEFAULT_ADMIN_TOKEN),
        (
            {"EDGE_KEY": "drill-edge-key-0123456789", "POLL_ADMIN_TOKEN": "drill-token"},
            "drill-edge-key-0123456789",
            "drill-token",
        ),
    ],
    ids=["defaults", "empty: the local key", "from the environment"],
)
def test_make_run_takes_the_edge_key_and_admin_token_from_the_environment(environ, edge_key, admin_token):
    stack = configured(environ)
    assert (stack.edge_key, stack.admin_token) == (edge_key, admin_token)
    assert stack.environment()["EDGE_KEY"] == edge_key  # what the API is started with


def test_make_run_refuses_an_edge_key_the_api_would_ignore():
    with pytest.raises(SystemExit, match="EDGE_KEY must be at least 24 characters"):
        configured({"EDGE_KEY": "short-key"})


@pytest.mark.parametrize(
    ("value", "networks"),
    [
        ("", {}),
        ("127.0.0.2=64500, 127.0.0.3=64501", {"127.0.0.2": "64500", "127.0.0.3": "64501"}),
        ("::1=13335", {"::1": "13335"}),
    ],
)
def test_local_asns_name_the_network_the_site_reports_for_each_loopback_client(value, networks):
    assert local_networks(value) == networks


@pytest.mark.parametrize("value", ["127.0.0.2=AS64500", "127.0.0.2=0", "127.0.0.2=", "not-an-address=64500"])
def test_local_asns_refuse_an_entry_that_is_not_an_address_and_an_as_number(value):
    with pytest.raises(ValueError):
        local_networks(value)
