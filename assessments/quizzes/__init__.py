"""Checkpoint quizzes: their settings and questions (fixed or drawn from banks), attempts,
grading, the review, and the learner's confidence before and after a module.

Modules: `services` (a package by concept: `editing`, `attempts`, `self_ratings`), `grading`
(pure functions), `display` (what the taking and review pages show), `selectors`,
`permissions`, `forms`, `preview` (a quiz as learners meet it, for its authors to
try and see marked, nothing stored), `loader`
(quiz YAML files), `views` (learners), `author_views` (training admins) and `urls`. Questions
themselves belong to `assessments.questions`.
"""
