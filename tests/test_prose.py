"""The course's prose in translation units: what a reader reads is a unit, code is not."""

from nnkit.i18n import prose

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
