# Makes plain `pytest exercises` work: the `submission` fixture and learner-facing messages.
pytest_plugins = ["nnkit.testing.plugin"]
