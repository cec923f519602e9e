"""`nnkit grade`: grade a class in isolated workers; see `command` for the flow."""
