"""What grading writes: grades.csv, results.json, feedback pages, the terminal gradebook."""
