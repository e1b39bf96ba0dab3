"""Built-in evaluations a user runs to see how far a model can be trusted on their machine."""
