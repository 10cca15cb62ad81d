"""On the Chinese page the designer's modeler says in Chinese every text that bpmn-js, bpmnlint's
button and the properties panel pass through its translate service (web/assets/translations-zh.js):
the palette, the context pad, 更改类型 (the replace menu) and the align menu, the search, the
panel's frame and the Camunda 7 provider's groups, entries and choices, our own entries.

The texts are read from the modeler as esbuild bundles it from the libraries installed in
node_modules (the versions package.json pins), left unminified so that the translate calls
show: what an upgrade adds is named here rather than found in English by a designer. Only the
code the bundle ships counts (the panel's Camunda 8 tooltips, left out of it, do not)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import REPO_ROOT

ESBUILD = REPO_ROOT / "node_modules" / ".bin" / "esbuild"
TRANSLATIONS = REPO_ROOT / "web" / "assets" / "translations-zh.js"
# names the panel shows as they are: a notation's name, and the Java types Camunda's result
# variable mappings are called by (the engine's documentation names them so)
AS_THEY_ARE = {
    "BPMN",
    "CMMN",
    "DMN",
    "collectEntries (List<Object>)",
    "resultList (List<Map<String, Object>>)",
    "singleEntry (TypedValue)",
    "singleResult (Map<String, Object>)",
}
# a string literal as esbuild writes it: in double quotes, or in single ones around a double
# quote; ASCII only (esbuild escapes the rest)
STRING = r"(?P<quote>[\"'])(?P<text>(?:(?!(?P=quote))[^\\\n]|\\.)*)(?P=quote)"
# translate("…"), this._translate("…", {…}): a whole literal, not one joined to more text
TRANSLATE_CALL = re.compile(r"(?<![\w$\"'.])(?:[\w$]+\.)?_?translate\d*\(\s*" + STRING + r"\s*[,)]")
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"(?<!\$){(\w+)}")  # {numOfItems}, not the ${someDate} of an example


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, str]:
    """The bundle's source, by the module each part comes from (esbuild heads each with its path)."""
    if not ESBUILD.exists():
        pytest.skip("node_modules is missing: `npm ci` installs it (make does)")
    out = tmp_path_factory.mktemp("modeler")
    loaders = [f"--loader:.{ext}=file" for ext in ("svg", "eot", "woff", "woff2", "ttf")]
    subprocess.run(
        [
            str(ESBUILD),
            "web/assets/modeler.js",
            "--bundle",
            "--target=es2019",
            f"--outdir={out}",
            *loaders,
            "--log-level=error",
        ],
        cwd=REPO_ROOT,
        check=True,
        timeout=120,
    )
    bundle = (out / "modeler.js").read_text()
    parts = re.split(r"^ *// ((?:node_modules|web)/\S+)$", bundle, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def chinese() -> dict[str, str]:
    """translations-zh.js's table: each English text and its Chinese."""
    table = TRANSLATIONS.read_text().split("export default {", 1)[1].split("\n};", 1)[0]
    table = re.sub(r"^\s*//.*$", "", table, flags=re.M)
    entries = re.findall(r"^\s*'((?:[^'\\]|\\.)*)':\s*((?:'(?:[^'\\]|\\.)*'\s*\+?\s*)+),", table, flags=re.M | re.S)
    return {key: "".join(re.findall(r"'((?:[^'\\]|\\.)*)'", value)) for key, value in entries}


def strings(pattern: str, source: str) -> set[str]:
    """The string literals ``pattern`` (with STRING in it) finds, as JavaScript reads them."""
    return {m.group("text").encode("ascii").decode("unicode_escape") for m in re.finditer(pattern, source)}


def reads_in_chinese(text: str, table: dict[str, str]) -> bool:
    """Whether the table has a Chinese text for ``text`` that keeps each of its {placeholders}
    ("{eventType}：{type}" has words enough in its placeholders)."""
    zh = table.get(text)
    if zh is None or set(PLACEHOLDER.findall(zh)) != set(PLACEHOLDER.findall(text)):
        return False
    return bool(CJK.search(zh)) or not PLACEHOLDER.sub("", zh).strip("：")


def untranslated(texts: set[str]) -> list[str]:
    table = chinese()
    return sorted(text for text in texts - AS_THEY_ARE if not reads_in_chinese(text, table))


def test_every_text_the_modeler_translates_reads_in_chinese(modules):
    texts = {
        text
        for path, source in modules.items()
        if path.startswith("node_modules/") or path == "web/assets/properties/engine-provider.js"
        for text in strings(TRANSLATE_CALL.pattern, source)
    }
    # the texts the designer met in English: the reading found them
    assert {"Create task", "Add text annotation", "Change element", "<empty>", "Search in diagram"} <= texts
    assert {"Toggle section", "Create new list item", "Cycle", "Use a form"} <= texts
    assert untranslated(texts) == []


def test_every_entry_of_the_replace_and_align_menus_reads_in_chinese(modules):
    """The menus translate their entries' labels, kept in tables of bpmn-js (PopupEntries,
    ReplaceOptions: one label made of two parts) and the align menu's 'Align elements ' + side."""
    labels: set[str] = set()
    for name in ("popup-menu/PopupEntries.js", "replace/ReplaceOptions.js"):
        source = re.sub(r"^\s*//.*$", "", modules[f"node_modules/bpmn-js/lib/features/{name}"], flags=re.M)
        labels |= strings(r"\blabel: " + STRING, source)
        for base in strings(r"\blabel = " + STRING, source):
            labels |= {base} | {base + more for more in strings(r"\blabel \+= " + STRING, source)}
    align = modules["node_modules/bpmn-js/lib/features/align-elements/AlignElementsMenuProvider.js"]
    sides = re.search(r"ALIGNMENT_OPTIONS = \[([^\]]*)\]", align)
    assert sides, "the align menu's sides are no longer a list ALIGNMENT_OPTIONS"
    assert re.search(r'translate\d*\("Align elements " \+ alignment\)', align)
    labels |= {"Align elements " + side for side in strings(STRING, sides.group(1))}
    assert {"User task", "Timer boundary event", "Empty pool/participant (removes content)"} <= labels
    assert {"Align elements left", "Align elements bottom"} <= labels
    assert untranslated(labels) == []
