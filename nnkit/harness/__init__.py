"""The one harness public checks and hidden tests share: learner-facing expectations."""
