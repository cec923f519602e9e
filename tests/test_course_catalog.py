"""The course's catalog: what a reader reads is a unit and code is not; a paragraph is text, not a
format string; building twice writes the same catalog."""

import io

from babel.messages.pofile import read_po

from nnkit.i18n import catalogs, prose

DOCSTRING = '''Return the sum.

Example:
    >>> f(2)   # the article's example
    4
    >>> f(1)   # 1*2
    2'''

MARKDOWN = '''The layout:

```
exercises/   your files
```

```
X @ W
```'''


def test_a_fenced_block_with_words_is_a_unit_and_one_of_code_alone_is_not():
    units = prose.units(MARKDOWN)
    assert "```\nexercises/   your files\n```" in units
    assert "```\nX @ W\n```" not in units


def test_a_doctests_comment_of_words_is_a_unit_but_its_code_and_a_formula_are_not():
    units = prose.units(DOCSTRING)
    assert "the article's example" in units
    assert not any(">>>" in unit or unit == "1*2" for unit in units)


def test_translating_a_doctest_changes_only_its_comment():
    translated = prose.translate_text(DOCSTRING, lambda text: text.upper())
    assert "    >>> f(2)   # THE ARTICLE'S EXAMPLE\n    4\n    >>> f(1)   # 1*2\n    2" in translated
    assert translated.startswith("RETURN THE SUM.\n\nEXAMPLE:\n")


def course_of(root, paragraph):
    """A course of one solution file holding one markdown paragraph, with an empty Russian catalog."""
    (root / "solutions").mkdir(exist_ok=True)
    (root / "solutions" / "09_demo.py").write_text(f"# %% [markdown]\n# {paragraph}\n\n# %%\nimport torch\n")
    (root / "exercises").mkdir(exist_ok=True)
    (root / "exercises" / "info.toml").write_text("exercise = []\n")
    po = catalogs.PUBLIC.po(root, "ru")
    po.parent.mkdir(parents=True, exist_ok=True)
    po.touch()
    return po


def test_a_paragraph_with_a_percent_sign_is_text_not_a_python_format_string(tmp_path):
    course_of(tmp_path, "About 88% of the flowers, and {a} set.")
    template = catalogs._public_template(tmp_path)
    text = catalogs._po_text(catalogs._updated(tmp_path / "missing.po", template, "ru"))
    entry = 'msgid "About 88% of the flowers, and {a} set."'
    assert f"#, no-python-brace-format, no-python-format\n{entry}" in text


def test_an_edited_paragraph_turns_fuzzy_keeping_its_translation_and_the_next_build_changes_nothing(tmp_path):
    po = course_of(tmp_path, "Words of one paragraph.")
    catalogs.build(tmp_path)
    translated = read_po(io.BytesIO(po.read_bytes()), locale="ru")
    translated["Words of one paragraph."].string = "Слова одного абзаца."
    po.write_text(catalogs._po_text(translated))
    course_of(tmp_path, "Words of one edited paragraph.")
    first = catalogs.build(tmp_path)
    assert first.stale and '#, fuzzy' in po.read_text() and 'msgstr "Слова одного абзаца."' in po.read_text()
    again = catalogs.build(tmp_path, write=False)
    assert again.stale == [] and again.untranslated, again
    assert "| msgid" not in po.read_text()
