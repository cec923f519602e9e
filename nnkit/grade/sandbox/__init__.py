"""Isolation of student code: bubblewrap, the zygote, workers, their uids and namespaces."""
