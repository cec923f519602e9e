# Makes plain `pytest exercises` work: the `student` fixture and learner-facing messages.
pytest_plugins = ["nnkit.pytest_plugin"]
