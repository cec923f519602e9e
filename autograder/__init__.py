"""Hidden tests (instructors only); a package, so they share `cases`, `checks` and `reference`."""
