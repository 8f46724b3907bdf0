"""What `make run` prints: the board's own lines, not Streamlit's noise about the board's modules being imported
before its runtime exists."""

import logging

import streamlit as st

from givingday.web import serve


def test_serve_keeps_streamlits_no_runtime_warning_off_its_output():
    said = []
    catch = logging.Handler()
    catch.emit = said.append
    logger = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    logger.addHandler(catch)
    try:
        serve.quiet_streamlit()
        st.cache_data(ttl=5)(lambda: 1)  # as givingday.web.board's functions are, on import, before the runtime
    finally:
        logger.removeHandler(catch)
    assert [r.getMessage() for r in said] == []


def test_serve_asks_no_service_on_the_internet_for_its_address(monkeypatch):
    from streamlit import net_util

    asked = []
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    monkeypatch.setattr(net_util, "_external_ip", None)
    serve.quiet_streamlit()
    assert not net_util.get_external_ip() and asked == []
