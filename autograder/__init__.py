"""Hidden tests (instructors only): a package, so `from exercises.test_NN import *` works here."""
