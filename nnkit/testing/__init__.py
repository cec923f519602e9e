"""One way to run pytest checks over a submission: for nnkit check, notebooks and grading."""
