"""Authoring in the browser: question banks, questions of every kind, and quizzes."""
