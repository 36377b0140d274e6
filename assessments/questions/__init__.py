"""Question banks, questions and their versions, and question files (import and export).

Modules: `services` (every write, and the one set of rules a question must meet), `selectors`
(the bank tree and a bank's questions), `permissions` (authors only), `forms` and `editor`
(the question editor), `preview` (a question as a learner would meet it), `author_views`,
`urls`, `interchange` (Moodle XML and GIFT) and `imports` (a question file imported in the
background, as an import job). Questions have no learner pages of their own:
learners meet them inside quizzes (`assessments.quizzes`).
"""
