"""`tomllib` on every Python the kit supports: the standard library's from 3.11 on, and on 3.10
the tomli backport it was taken from (same parser, same API)."""

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = ["tomllib"]
