"""Question banks, questions and their versions, and question files (import and export).

Modules: `services` (every write, and the one set of rules a question must meet), `selectors`
(the bank tree and a bank's questions), `permissions` (authors only), `forms` and `editor`
(the question editor), `preview` (a question as a learner would meet it), `author_views`,
`urls`, and `interchange` (Moodle XML and GIFT). Questions have no learner pages of their own:
learners meet them inside quizzes (`assessments.quizzes`).
"""
