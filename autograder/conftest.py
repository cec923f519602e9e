"""The hidden tests' pytest setup: the kit's one plugin (the `submission` fixture, markers, seeding
and learner-facing messages).

`nnkit grade` runs these tests next to the public checks of `exercises/`, in a trusted process
whose `submission` is the worker that holds the submission being graded. By hand,
`pytest autograder --nnkit-path solutions` runs them against a folder in-process.
"""

pytest_plugins = ["nnkit.testing.plugin"]
