"""What an instructor learns from a graded class: the class report and the similarity report."""
