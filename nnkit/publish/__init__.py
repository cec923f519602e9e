"""What the kit hands out: the student bundle, the Gradescope autograder."""
