"""A number in a URL larger than any row's id is an unknown thing (404), on every page and
download that takes one, never an overflow in the database driver (500)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

TOO_LARGE = "99999999999999999999"  # past a 64-bit integer, let alone a key column


def _pages_with_ids(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not any(
            isinstance(c, IntegerConverter) for c in rule._converters.values()
        ):
            continue
        url = rule.rule
        for name, converter in rule._converters.items():
            url = _fill(url, name, TOO_LARGE if isinstance(converter, IntegerConverter) else "x")
        urls.append(url)
    return urls


def _fill(url: str, name: str, value: str) -> str:
    """``url`` with the variable ``name`` (``<name>`` or ``<conv(args):name>``) replaced."""
    start = url.find("<")
    while start != -1:
        end = url.index(">", start)
        if url[start + 1 : end].rsplit(":", 1)[-1] == name:
            return url[:start] + value + url[end + 1 :]
        start = url.find("<", end)
    return url


def test_a_too_large_id_is_not_found_everywhere(app, as_user):
    urls = _pages_with_ids(app)
    assert "/cases/" + TOO_LARGE in urls and len(urls) >= 15, urls  # the pages the walk found
    client = as_user("admin")
    answers = {url: client.get(url).status_code for url in urls}
    assert {url: status for url, status in answers.items() if status != 404} == {}
