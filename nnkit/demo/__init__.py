"""`nnkit demo`: a small class built at run time from the kit's own files, then graded."""
