"""Reading a course: its exercise table, its folders, its known mistakes."""
