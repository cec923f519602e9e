"""Notebooks: the nbgrader course built from the solutions, in-kernel checks, notebook files
graded as exercise files."""
