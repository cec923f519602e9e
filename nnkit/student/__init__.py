"""The student side: nnkit check, watch, hint and the warm check server."""
