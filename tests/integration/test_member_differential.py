"""Differential tests: the same request sequences against the real etcd 3.4 (one member,
--enable-v2) and an etcdpp member; every response must match after normalisation.

Normalisation: store indexes are compared relative to the store index at the start of each case
(both servers see the same sequence of cases, so relative indexes must be equal, not merely
present); timestamps are replaced by a marker; ttl may differ by one second; directory listings
are compared in key order (etcd lists in hash-map order unless sorted=true); ids and URLs that
name the servers themselves are replaced by markers.

Steps are (method, path, body[, headers]). In paths and bodies "{k}" is the case's own key prefix
and "{b+N}" the case's start index plus N, so a case can name the indexes it created.
"""
import http.client as httpclient
import json
import re
import time
import urllib.parse

import pytest

from conftest import raw_until_close


def http(method, url, body=None, headers=None, timeout=10):
    """One request, redirects not followed: (status, lower-cased headers, body text)."""
    u = urllib.parse.urlsplit(url)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        target = u.path + ("?" + u.query if u.query else "")
        conn.request(method, target, body=body.encode() if body is not None else None,
                     headers=headers or {})
        r = conn.getresponse()
        data = r.read().decode(errors="replace")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}

# Headers whose presence and (normalised) value must match.
COMPARED_HEADERS = ("content-type", "allow", "location", "x-content-type-options",
                    "access-control-allow-origin", "access-control-allow-methods",
                    "access-control-allow-headers", "x-etcd-index")
# Headers that must be present or absent on both (values differ between servers).
PRESENCE_HEADERS = ("x-etcd-cluster-id", "x-raft-index", "x-raft-term")


def S(method, path, body=None, headers=None):
    return (method, path, body, headers)


def case_list():
    c = {}
    # ---- GET / HEAD ------------------------------------------------------------------------
    c["get_file"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("GET", "/v2/keys{k}/a")]
    c["get_missing"] = [S("GET", "/v2/keys{k}/missing")]
    c["get_missing_deep"] = [S("GET", "/v2/keys{k}/x/y/z")]
    c["get_file_as_dir"] = [S("PUT", "/v2/keys{k}/f", "value=1"), S("GET", "/v2/keys{k}/f/g")]
    c["get_dir"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"), S("PUT", "/v2/keys{k}/d/b", "value=2"),
                    S("GET", "/v2/keys{k}/d")]
    c["get_dir_recursive"] = [S("PUT", "/v2/keys{k}/d/x/y", "value=1"),
                              S("PUT", "/v2/keys{k}/d/z", "value=2"),
                              S("GET", "/v2/keys{k}/d?recursive=true")]
    c["get_dir_nested_not_recursive"] = [S("PUT", "/v2/keys{k}/d/x/y", "value=1"),
                                         S("GET", "/v2/keys{k}/d")]
    c["get_sorted"] = [S("PUT", "/v2/keys{k}/d/c", "value=3"), S("PUT", "/v2/keys{k}/d/a", "value=1"),
                       S("PUT", "/v2/keys{k}/d/b", "value=2"),
                       S("GET", "/v2/keys{k}/d?sorted=true")]
    c["get_sorted_recursive"] = [S("PUT", "/v2/keys{k}/d/b/x", "value=3"),
                                 S("PUT", "/v2/keys{k}/d/a", "value=1"),
                                 S("GET", "/v2/keys{k}/d?sorted=true&recursive=true")]
    c["get_hidden_listing"] = [S("PUT", "/v2/keys{k}/d/_h", "value=1"),
                               S("PUT", "/v2/keys{k}/d/v", "value=2"), S("GET", "/v2/keys{k}/d")]
    c["get_hidden_direct"] = [S("PUT", "/v2/keys{k}/_h", "value=1"), S("GET", "/v2/keys{k}/_h")]
    c["get_empty_dir"] = [S("PUT", "/v2/keys{k}/e", "dir=true"), S("GET", "/v2/keys{k}/e")]
    c["get_bad_recursive"] = [S("GET", "/v2/keys{k}/a?recursive=maybe")]
    c["get_bad_sorted"] = [S("GET", "/v2/keys{k}/a?sorted=2")]
    c["get_bad_wait"] = [S("GET", "/v2/keys{k}/a?wait=yes")]
    c["get_bad_quorum"] = [S("GET", "/v2/keys{k}/a?quorum=x")]
    c["get_quorum"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("GET", "/v2/keys{k}/a?quorum=true")]
    c["get_quorum_missing"] = [S("GET", "/v2/keys{k}/nope?quorum=true")]
    c["get_quorum_dir"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"),
                           S("GET", "/v2/keys{k}/d?quorum=true&recursive=true")]
    c["get_go_bools"] = [S("PUT", "/v2/keys{k}/d/a/b", "value=1"),
                         S("GET", "/v2/keys{k}/d?recursive=T&sorted=1"),
                         S("GET", "/v2/keys{k}/d?recursive=FALSE")]
    c["get_unicode"] = [S("PUT", "/v2/keys{k}/%C3%A9t%C3%A9", "value=%E2%82%AC"),
                        S("GET", "/v2/keys{k}/%C3%A9t%C3%A9")]
    c["get_escaped_value"] = [S("PUT", "/v2/keys{k}/a", "value=%3Cb%3E%26%22%5C%0A%09"),
                              S("GET", "/v2/keys{k}/a")]
    c["get_control_chars"] = [S("PUT", "/v2/keys{k}/a", "value=%01%1F%7F"), S("GET", "/v2/keys{k}/a")]
    c["head_file"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("HEAD", "/v2/keys{k}/a")]
    c["head_missing"] = [S("HEAD", "/v2/keys{k}/missing")]
    c["head_dir"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"), S("HEAD", "/v2/keys{k}/d")]
    c["head_wait_ignored"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("HEAD", "/v2/keys{k}/a?wait=true")]
    c["get_keys_root_path"] = [S("PUT", "/v2/keys{k}", "dir=true"), S("GET", "/v2/keys{k}/")]
    c["get_trailing_slash_file"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("GET", "/v2/keys{k}/a/")]
    c["get_dot_path_redirect"] = [S("GET", "/v2/keys{k}/./a")]
    c["get_double_slash_redirect"] = [S("GET", "/v2/keys{k}//a?x=1")]
    c["get_dotdot_redirect"] = [S("GET", "/v2/keys{k}/a/../b")]
    c["put_redirect"] = [S("PUT", "/v2/keys{k}//a", "value=1")]
    # ServeMux decides on the percent-decoded path and escapes the Location again.
    c["get_escaped_double_slash_redirect"] = [S("GET", "/v2/keys{k}/a%2F%2Fb")]
    c["get_escaped_dotdot_redirect"] = [S("GET", "/v2/keys{k}/a/%2e%2e/b")]
    c["get_redirect_escaped_slash"] = [S("GET", "/v2//keys{k}/c%2Fd")]
    c["get_redirect_query_html_escaped"] = [S("GET", "/v2/keys{k}//a?x=1&y=2")]
    c["get_redirect_empty_query_dropped"] = [S("GET", "/v2/keys{k}//a?")]
    c["get_redirect_path_escaped"] = [S("GET", "/v2//keys{k}/%3F%20%22'<>")]
    c["head_redirect"] = [S("HEAD", "/v2/keys{k}//a")]
    # ---- PUT --------------------------------------------------------------------------------
    c["put_create"] = [S("PUT", "/v2/keys{k}/a", "value=1")]
    c["put_replace"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a", "value=2")]
    c["put_same_value"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a", "value=1")]
    c["put_empty_value"] = [S("PUT", "/v2/keys{k}/a", "value=")]
    c["put_no_value"] = [S("PUT", "/v2/keys{k}/a", "")]
    c["put_value_in_query"] = [S("PUT", "/v2/keys{k}/a?value=q")]
    c["put_body_wins"] = [S("PUT", "/v2/keys{k}/a?value=q", "value=b")]
    c["put_first_value_counts"] = [S("PUT", "/v2/keys{k}/a", "value=1&value=2")]
    c["put_creates_parents"] = [S("PUT", "/v2/keys{k}/p/q/r", "value=1"), S("GET", "/v2/keys{k}/p?recursive=true")]
    c["put_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=true")]
    c["put_dir_again"] = [S("PUT", "/v2/keys{k}/d", "dir=true"), S("PUT", "/v2/keys{k}/d", "dir=true")]
    c["put_dir_over_file"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a", "dir=true")]
    c["put_file_over_dir"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"), S("PUT", "/v2/keys{k}/d", "value=x")]
    c["put_under_file"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a/b", "value=2")]
    c["put_dir_with_value"] = [S("PUT", "/v2/keys{k}/d", "dir=true&value=x")]
    c["put_bad_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=maybe")]
    c["put_root"] = [S("PUT", "/v2/keys/", "value=1")]
    c["put_keys_no_slash"] = [S("PUT", "/v2/keys", "value=1")]
    c["put_prev_exist_false_new"] = [S("PUT", "/v2/keys{k}/a?prevExist=false", "value=1")]
    c["put_prev_exist_false_exists"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                        S("PUT", "/v2/keys{k}/a?prevExist=false", "value=2")]
    c["put_prev_exist_true_missing"] = [S("PUT", "/v2/keys{k}/a?prevExist=true", "value=1")]
    c["put_prev_exist_true_exists"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                       S("PUT", "/v2/keys{k}/a?prevExist=true", "value=2")]
    c["put_prev_exist_true_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=true"),
                                    S("PUT", "/v2/keys{k}/d?prevExist=true", "value=2")]
    c["put_prev_exist_true_dir_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=true"),
                                        S("PUT", "/v2/keys{k}/d?prevExist=true&dir=true", "")]
    c["put_prev_exist_bad"] = [S("PUT", "/v2/keys{k}/a?prevExist=perhaps", "value=1")]
    c["put_prev_exist_false_dir"] = [S("PUT", "/v2/keys{k}/d?prevExist=false&dir=true", "")]
    c["put_prev_value_ok"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                              S("PUT", "/v2/keys{k}/a?prevValue=1", "value=2")]
    c["put_prev_value_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                               S("PUT", "/v2/keys{k}/a?prevValue=9", "value=2")]
    c["put_prev_value_missing"] = [S("PUT", "/v2/keys{k}/a?prevValue=1", "value=2")]
    c["put_prev_value_empty"] = [S("PUT", "/v2/keys{k}/a?prevValue=", "value=2")]
    c["put_prev_value_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=true"),
                               S("PUT", "/v2/keys{k}/d?prevValue=x", "value=2")]
    c["put_prev_index_ok"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                              S("PUT", "/v2/keys{k}/a?prevIndex={b+1}", "value=2")]
    c["put_prev_index_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                               S("PUT", "/v2/keys{k}/a?prevIndex=1", "value=2")]
    c["put_prev_index_nan"] = [S("PUT", "/v2/keys{k}/a?prevIndex=abc", "value=2")]
    c["put_prev_index_negative"] = [S("PUT", "/v2/keys{k}/a?prevIndex=-1", "value=2")]
    c["put_prev_index_zero"] = [S("PUT", "/v2/keys{k}/a?prevIndex=0", "value=2")]
    c["put_prev_both_ok"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                             S("PUT", "/v2/keys{k}/a?prevIndex={b+1}&prevValue=1", "value=2")]
    c["put_prev_both_value_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                    S("PUT", "/v2/keys{k}/a?prevIndex={b+1}&prevValue=x", "value=2")]
    c["put_prev_both_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                              S("PUT", "/v2/keys{k}/a?prevIndex=1&prevValue=x", "value=2")]
    c["put_prev_both_index_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                    S("PUT", "/v2/keys{k}/a?prevIndex=1&prevValue=1", "value=2")]
    c["put_cas_prev_exist_true"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                    S("PUT", "/v2/keys{k}/a?prevExist=true&prevValue=1", "value=2")]
    c["put_cas_prev_exist_false"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                     S("PUT", "/v2/keys{k}/a?prevExist=false&prevValue=1", "value=2")]
    c["put_cas_in_body"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                            S("PUT", "/v2/keys{k}/a", "value=2&prevValue=1")]
    c["put_ttl"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"), S("GET", "/v2/keys{k}/a")]
    c["put_ttl_nan"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=abc")]
    # Keys that expire at once: the case waits for the expiry (a SYNC within 500 ms) so that
    # it does not move the store index under a later case.
    c["put_ttl_negative"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=-5"), S("SLEEP", "1.5"),
                             S("GET", "/v2/keys{k}/a")]
    c["put_ttl_empty"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=")]
    c["put_ttl_float"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=1.5")]
    c["put_ttl_zero"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=0"), S("SLEEP", "1.5"),
                         S("GET", "/v2/keys{k}/a")]
    c["put_ttl_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=true&ttl=100"), S("GET", "/v2/keys{k}/d")]
    c["put_ttl_removed"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                            S("PUT", "/v2/keys{k}/a", "value=2"), S("GET", "/v2/keys{k}/a")]
    c["put_ttl_update_keeps"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                                 S("PUT", "/v2/keys{k}/a?prevExist=true", "value=2&ttl=200")]
    c["put_refresh_ok"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                           S("PUT", "/v2/keys{k}/a?refresh=true&prevExist=true", "ttl=200")]
    c["put_refresh_plain"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                              S("PUT", "/v2/keys{k}/a?refresh=true", "ttl=300"),
                              S("GET", "/v2/keys{k}/a")]
    c["put_refresh_no_ttl"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                               S("PUT", "/v2/keys{k}/a?refresh=true", "")]
    c["put_refresh_with_value"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                                   S("PUT", "/v2/keys{k}/a?refresh=true", "value=2&ttl=100")]
    c["put_refresh_missing"] = [S("PUT", "/v2/keys{k}/a?refresh=true", "ttl=100")]
    c["put_refresh_bad_bool"] = [S("PUT", "/v2/keys{k}/a?refresh=x", "ttl=100")]
    c["put_refresh_cas"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                            S("PUT", "/v2/keys{k}/a?refresh=true&prevValue=1", "ttl=100")]
    c["put_no_value_on_success"] = [S("PUT", "/v2/keys{k}/a?noValueOnSuccess=true", "value=1")]
    c["put_no_value_on_success_update"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                           S("PUT", "/v2/keys{k}/a?noValueOnSuccess=true&prevExist=true", "value=2")]
    c["put_no_value_on_success_error"] = [S("PUT", "/v2/keys{k}/a?noValueOnSuccess=true&prevExist=true", "value=2")]
    c["put_wait_rejected"] = [S("PUT", "/v2/keys{k}/a?wait=true", "value=1")]
    c["put_stream_rejected"] = [S("PUT", "/v2/keys{k}/a?stream=true", "value=1")]
    c["put_bad_form"] = [S("PUT", "/v2/keys{k}/a", "value=%zz")]
    c["put_bad_query"] = [S("PUT", "/v2/keys{k}/a?value=%zz", "")]
    c["put_semicolon_query"] = [S("PUT", "/v2/keys{k}/a?value=1;x=2", "")]
    c["put_json_body_ignored"] = [S("PUT", "/v2/keys{k}/a?value=q", '{"value":"j"}', JSON)]
    c["put_plain_body_ignored"] = [S("PUT", "/v2/keys{k}/a", "value=1", {"Content-Type": "text/plain"})]
    c["put_form_charset"] = [S("PUT", "/v2/keys{k}/a", "value=1",
                               {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})]
    c["put_plus_space"] = [S("PUT", "/v2/keys{k}/a", "value=a+b%20c")]
    c["put_long_value"] = [S("PUT", "/v2/keys{k}/a", "value=" + "x" * 100000),
                           S("HEAD", "/v2/keys{k}/a")]
    c["put_long_key"] = [S("PUT", "/v2/keys{k}/" + "k" * 2000, "value=1")]
    c["put_hidden_then_list"] = [S("PUT", "/v2/keys{k}/_a", "value=1"), S("GET", "/v2/keys{k}")]
    c["put_key_with_spaces"] = [S("PUT", "/v2/keys{k}/a%20b", "value=1"), S("GET", "/v2/keys{k}")]
    c["put_key_encoded_slash"] = [S("PUT", "/v2/keys{k}/a%2Fb", "value=1"), S("GET", "/v2/keys{k}?recursive=true")]
    # ---- POST (in-order keys) ---------------------------------------------------------------
    c["post_create"] = [S("POST", "/v2/keys{k}/q", "value=1")]
    c["post_two_sorted"] = [S("POST", "/v2/keys{k}/q", "value=1"), S("POST", "/v2/keys{k}/q", "value=2"),
                            S("GET", "/v2/keys{k}/q?sorted=true")]
    c["post_on_file"] = [S("PUT", "/v2/keys{k}/f", "value=1"), S("POST", "/v2/keys{k}/f", "value=2")]
    c["post_dir"] = [S("POST", "/v2/keys{k}/q", "dir=true")]
    c["post_ttl"] = [S("POST", "/v2/keys{k}/q", "value=1&ttl=50")]
    c["post_no_value"] = [S("POST", "/v2/keys{k}/q", "")]
    c["post_root"] = [S("POST", "/v2/keys/", "value=1"), S("DELETE", "/v2/keys/{b+1:020d}", None)]
    c["post_prev_exist"] = [S("POST", "/v2/keys{k}/q?prevExist=false", "value=1")]
    c["post_value_query"] = [S("POST", "/v2/keys{k}/q?value=qq", "")]
    c["post_no_value_on_success"] = [S("POST", "/v2/keys{k}/q?noValueOnSuccess=true", "value=1")]
    # ---- DELETE -----------------------------------------------------------------------------
    c["delete_file"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a")]
    c["delete_missing"] = [S("DELETE", "/v2/keys{k}/a")]
    c["delete_dir_plain"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"), S("DELETE", "/v2/keys{k}/d")]
    c["delete_dir_flag_nonempty"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"),
                                     S("DELETE", "/v2/keys{k}/d?dir=true")]
    c["delete_dir_flag_empty"] = [S("PUT", "/v2/keys{k}/d", "dir=true"),
                                  S("DELETE", "/v2/keys{k}/d?dir=true")]
    c["delete_dir_recursive"] = [S("PUT", "/v2/keys{k}/d/a/b", "value=1"),
                                 S("DELETE", "/v2/keys{k}/d?recursive=true"), S("GET", "/v2/keys{k}/d")]
    c["delete_file_dir_flag"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a?dir=true")]
    c["delete_file_recursive"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                  S("DELETE", "/v2/keys{k}/a?recursive=true")]
    c["delete_root"] = [S("DELETE", "/v2/keys/?recursive=true")]
    c["delete_cad_value_ok"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a?prevValue=1")]
    c["delete_cad_value_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a?prevValue=2")]
    c["delete_cad_index_ok"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                S("DELETE", "/v2/keys{k}/a?prevIndex={b+1}")]
    c["delete_cad_index_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a?prevIndex=2")]
    c["delete_cad_both"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                            S("DELETE", "/v2/keys{k}/a?prevIndex={b+1}&prevValue=1")]
    c["delete_cad_both_bad"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                S("DELETE", "/v2/keys{k}/a?prevIndex=3&prevValue=7")]
    c["delete_cad_missing"] = [S("DELETE", "/v2/keys{k}/a?prevValue=1")]
    c["delete_cad_dir"] = [S("PUT", "/v2/keys{k}/d", "dir=true"), S("DELETE", "/v2/keys{k}/d?prevValue=1")]
    c["delete_cad_empty_prev_value"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                        S("DELETE", "/v2/keys{k}/a?prevValue=")]
    c["delete_body_ignored"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a", "prevValue=9")]
    c["delete_bad_prev_index"] = [S("DELETE", "/v2/keys{k}/a?prevIndex=x")]
    c["delete_bad_recursive"] = [S("DELETE", "/v2/keys{k}/a?recursive=x")]
    c["delete_then_get"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a"),
                            S("GET", "/v2/keys{k}/a")]
    c["delete_hidden"] = [S("PUT", "/v2/keys{k}/_a", "value=1"), S("DELETE", "/v2/keys{k}/_a")]
    c["delete_ttl_key"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"), S("DELETE", "/v2/keys{k}/a")]
    c["delete_wait_rejected"] = [S("DELETE", "/v2/keys{k}/a?wait=true")]
    # ---- watches answered from history -----------------------------------------------------
    c["watch_history_exact"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a", "value=2"),
                                S("GET", "/v2/keys{k}/a?wait=true&waitIndex={b+1}")]
    c["watch_history_second"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a", "value=2"),
                                 S("GET", "/v2/keys{k}/a?wait=true&waitIndex={b+2}")]
    c["watch_history_recursive"] = [S("PUT", "/v2/keys{k}/d/x", "value=1"),
                                    S("GET", "/v2/keys{k}/d?wait=true&recursive=true&waitIndex={b+1}")]
    c["watch_history_hidden_recursive"] = [S("PUT", "/v2/keys{k}/d/_x", "value=1"),
                                           S("PUT", "/v2/keys{k}/d/y", "value=1"),
                                           S("GET", "/v2/keys{k}/d?wait=true&recursive=true&waitIndex={b+1}")]
    c["watch_history_delete"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("DELETE", "/v2/keys{k}/a"),
                                 S("GET", "/v2/keys{k}/a?wait=true&waitIndex={b+2}")]
    c["watch_history_dir_delete"] = [S("PUT", "/v2/keys{k}/d/a", "value=1"),
                                     S("DELETE", "/v2/keys{k}/d?recursive=true"),
                                     S("GET", "/v2/keys{k}/d/a?wait=true&waitIndex={b+2}")]
    c["watch_history_create"] = [S("PUT", "/v2/keys{k}/a?prevExist=false", "value=1"),
                                 S("GET", "/v2/keys{k}/a?wait=true&waitIndex={b+1}")]
    c["watch_history_cas"] = [S("PUT", "/v2/keys{k}/a", "value=1"), S("PUT", "/v2/keys{k}/a?prevValue=1", "value=2"),
                              S("GET", "/v2/keys{k}/a?wait=true&waitIndex={b+2}")]
    c["members_post_trailing_garbage"] = [S("POST", "/v2/members", '{"peerURLs":[]} x', JSON)]
    c["members_post_empty_body"] = [S("POST", "/v2/members", "", JSON)]
    c["watch_history_refresh_skipped"] = [S("PUT", "/v2/keys{k}/a", "value=1&ttl=100"),
                                          S("PUT", "/v2/keys{k}/a?refresh=true", "ttl=100"),
                                          S("PUT", "/v2/keys{k}/a", "value=3"),
                                          S("GET", "/v2/keys{k}/a?wait=true&waitIndex={b+2}")]
    c["watch_bad_wait_index"] = [S("GET", "/v2/keys{k}/a?wait=true&waitIndex=x")]
    c["watch_bad_stream"] = [S("GET", "/v2/keys{k}/a?wait=true&stream=x")]
    c["watch_quorum_ignores_wait"] = [S("PUT", "/v2/keys{k}/a", "value=1"),
                                      S("GET", "/v2/keys{k}/a?wait=true&quorum=true")]
    c["watch_history_parent_prefix"] = [S("PUT", "/v2/keys{k}/wd/x", "value=1"),
                                        S("DELETE", "/v2/keys{k}/wd?recursive=true"),
                                        S("GET", "/v2/keys{k}/wdx?wait=true&waitIndex={b+2}")]
    # ---- methods, paths ---------------------------------------------------------------------
    c["keys_patch"] = [S("PATCH", "/v2/keys{k}/a", "value=1")]
    c["keys_options"] = [S("OPTIONS", "/v2/keys{k}/a")]
    c["unknown_path"] = [S("GET", "/nothing")]
    c["unknown_v2_path"] = [S("GET", "/v2/nothing")]
    c["keys_prefix_only"] = [S("GET", "/v2/keysx")]
    c["options_anywhere"] = [S("OPTIONS", "/whatever")]
    c["version"] = [S("GET", "/version")]
    c["version_put"] = [S("PUT", "/version", "")]
    c["health"] = [S("GET", "/health")]
    c["health_post"] = [S("POST", "/health", "")]
    c["machines_head"] = [S("HEAD", "/v2/machines")]
    c["machines_post"] = [S("POST", "/v2/machines", "")]
    c["stats_store_put"] = [S("PUT", "/v2/stats/store", "")]
    c["stats_self_post"] = [S("POST", "/v2/stats/self", "")]
    c["stats_leader"] = [S("GET", "/v2/stats/leader")]
    c["stats_unknown"] = [S("GET", "/v2/stats/nothing")]
    # ---- members ----------------------------------------------------------------------------
    c["members_list"] = [S("GET", "/v2/members")]
    c["members_list_slash"] = [S("GET", "/v2/members/")]
    c["members_leader"] = [S("GET", "/v2/members/leader")]
    c["members_unknown_get"] = [S("GET", "/v2/members/abc")]
    c["members_patch"] = [S("PATCH", "/v2/members", "")]
    c["members_post_bad_type"] = [S("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1:1"]}',
                                    {"Content-Type": "text/plain"})]
    c["members_post_no_type"] = [S("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1:1"]}', {})]
    c["members_post_bad_scheme"] = [S("POST", "/v2/members", '{"peerURLs":["notaurl"]}', JSON)]
    c["members_post_no_port"] = [S("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1"]}', JSON)]
    c["members_post_path"] = [S("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1:1/x"]}', JSON)]
    c["members_post_bad_json_status"] = [S("POST", "/v2/members", "{", JSON)]
    c["members_post_type_params"] = [S("POST", "/v2/members", '{"peerURLs":["ftp://x:1"]}',
                                       {"Content-Type": "application/json; charset=utf-8"})]
    c["members_post_existing"] = [S("POST", "/v2/members", '{"peerURLs":["{peer}"]}', JSON)]
    c["members_delete_unknown"] = [S("DELETE", "/v2/members/1234")]
    c["members_delete_not_hex"] = [S("DELETE", "/v2/members/xyz")]
    c["members_delete_no_id"] = [S("DELETE", "/v2/members")]
    c["members_put_no_id"] = [S("PUT", "/v2/members", '{"peerURLs":["http://127.0.0.1:1"]}', JSON)]
    c["members_put_unknown"] = [S("PUT", "/v2/members/1234", '{"peerURLs":["http://127.0.0.1:1"]}', JSON)]
    c["members_put_bad_type"] = [S("PUT", "/v2/members/1234", "x", {"Content-Type": "text/plain"})]
    c["members_put_self_same"] = [S("PUT", "/v2/members/{self}", '{"peerURLs":["{peer}"]}', JSON)]
    return c


CASES = case_list()


def fill(text, k, base, peer, self_id):
    if text is None:
        return None

    def index(m):
        value = base + int(m.group(1) or 0)
        return format(value, m.group(2)) if m.group(2) else str(value)
    text = re.sub(r"\{b(?:\+(\d+))?(?::([0-9a-z]+))?\}", index, text)
    return text.replace("{k}", k).replace("{peer}", peer).replace("{self}", self_id)


def store_index(url):
    status, headers, _ = http("GET", url + "/v2/keys/")
    return int(headers["x-etcd-index"])


class Server:
    def __init__(self, name, client_url, peer_url):
        self.name = name
        self.url = client_url
        self.peer = peer_url
        self.id = json.loads(http("GET", client_url + "/v2/members/leader")[2])["id"]


def normalise_node(node, base):
    out = dict(node)
    for f in ("modifiedIndex", "createdIndex"):
        if f in out:
            out[f] = out[f] - base if out[f] > base else f"pre-{f}"
    if "expiration" in out:
        out["expiration"] = "<time>"
    if "ttl" in out:
        out["ttl"] = "<ttl>" if out["ttl"] > 0 else out["ttl"]
    if "nodes" in out:
        out["nodes"] = sorted((normalise_node(n, base) for n in out["nodes"]),
                              key=lambda n: n.get("key", ""))
    if out.get("key", "").startswith("/"):
        # In-order keys are named after the store index.
        m = re.fullmatch(r"(.*/)(\d{20})", out["key"])
        if m:
            out["key"] = m.group(1) + str(int(m.group(2)) - base)
    return out


def normalise(base, status, headers, body):
    ctype = headers.get("content-type", "")
    norm_body = body
    if body and ctype.startswith("application/json"):
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            if "node" in doc:
                doc["node"] = normalise_node(doc["node"], base)
            if "prevNode" in doc:
                doc["prevNode"] = normalise_node(doc["prevNode"], base)
            if "errorCode" in doc:
                if doc["index"] > 0:
                    doc["index"] = doc["index"] - base
                if doc["errorCode"] == 101 and "[" in doc.get("cause", ""):
                    # "[prevValue != value] [prevIndex != modifiedIndex]": indexes relative.
                    def rel(m):
                        n = int(m.group(1))
                        return str(n - base) if n > base else m.group(1)
                    doc["cause"] = re.sub(r"(?<=\[)(\d+)(?= != )|(?<= != )(\d+)(?=\])",
                                          lambda m: rel(re.match(r"(\d+)", m.group(0))),
                                          doc["cause"])
            if "members" in doc:
                doc["members"] = [{**m, "id": "<id>", "name": "<name>",
                                   "peerURLs": ["<peer>"], "clientURLs": ["<client>"]}
                                  for m in doc["members"]]
            if {"id", "peerURLs"} <= doc.keys():
                doc.update(id="<id>", name="<name>", peerURLs=["<peer>"], clientURLs=["<client>"])
            for k in ("getsSuccess", "getsFail", "setsSuccess"):
                if k in doc:  # stats counters differ by history; compare the field list
                    doc = list(doc.keys())
                    break
            if isinstance(doc, dict) and "leader" in doc:
                doc["leader"] = "<id>"
        norm_body = doc
    norm_headers = {}
    for h in COMPARED_HEADERS:
        if h in headers:
            v = headers[h]
            if h == "x-etcd-index":
                n = int(v)
                v = n - base if n > base else ("zero" if n == 0 else "pre")
            norm_headers[h] = v
    for h in PRESENCE_HEADERS:
        norm_headers[h] = h in headers
    return status, norm_headers, norm_body


def run_case(server, name, steps):
    k = f"/diff/{name}"
    base = store_index(server.url)
    results = []
    for method, path, body, headers in steps:
        if method == "SLEEP":
            time.sleep(float(path))
            continue
        p = fill(path, k, base, server.peer, server.id)
        b = fill(body, k, base, server.peer, server.id)
        hdrs = dict(FORM) if headers is None and b is not None else dict(headers or {})
        status, h, text = http(method, server.url + p, b, headers=hdrs)
        if p.startswith("/v2/machines"):
            text = "<urls>" if text else text
        results.append(normalise(base, status, h, text))
    return results


@pytest.fixture(scope="module")
def servers(etcd1, etcdpp1):
    return (Server("etcd", etcd1.client_url, etcd1.peer_url),
            Server("etcdpp", etcdpp1.client_url, etcdpp1.peer_url))


def test_enough_cases():
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_etcd(servers, name):
    etcd, pp = servers
    want = run_case(etcd, name, CASES[name])
    got = run_case(pp, name, CASES[name])
    for i, (w, g) in enumerate(zip(want, got)):
        assert g == w, f"step {i} {CASES[name][i][:2]}:\n etcd:   {w}\n etcdpp: {g}"


# Requests Go's server answers before any handler runs: the same bytes from both members
# (Date and the per-server headers aside). One request per connection.
RAW_REQUESTS = [
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.0\r\n\r\n",
    b"GET /v2/keys/a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"GET /v2/keys/ HTTP/1.1\r\nHost: a b\r\n\r\n",
    b"GET http://h:1a/v2/keys/ HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://h:1/v2/keys/diff-absent HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://h:1?a=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"HEAD http://h:1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n",
    b"GET /v2/keys/ HTTP/1.0\r\nExpect: foo\r\n\r\n",
    b"POST /v2/keys/diff-te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    # Bare-LF line endings, as `printf '...\n\n' | nc` sends them; a body keeps its own LFs.
    b"GET /version HTTP/1.0\n\n",
    b"GET /version HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n",
    b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
    b"PUT /v2/keys/diff-lf HTTP/1.1\nHost: x\nConnection: close\nContent-Type: "
    b"application/x-www-form-urlencoded\nContent-Length: 9\n\nvalue=a\nb",
    b"GET /v2//keys/\xc3\xbc%20b?x=1&y=\xc3\xbc HTTP/1.1\r\nHost: x\r\n\r\n",
]


def raw_answer(url, request):
    data = raw_until_close(urllib.parse.urlsplit(url).port, request)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n")
             if not re.match(rb"(?i)(date|x-etcd-index|x-etcd-cluster-id|x-raft-index|"
                             rb"x-raft-term):", line)]
    body = re.sub(rb'(?i)index":\d+', b'index":N', body)
    return lines, body


@pytest.mark.parametrize("request_bytes", RAW_REQUESTS)
def test_raw_answers_same_as_etcd(servers, request_bytes):
    etcd, pp = servers
    assert raw_answer(pp.url, request_bytes) == raw_answer(etcd.url, request_bytes)
