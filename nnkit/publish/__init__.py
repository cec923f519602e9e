"""What the kit hands out: the student bundle, the Gradescope autograder, the Classroom template,
and the grades for Canvas and Moodle."""
