"""Every write to quizzes, attempts and self ratings, one module per concept; import from the
module that holds the service (`from assessments.quizzes.services import attempts`).

- `editing`: authors building a quiz (settings, fixed questions and random draws, order,
  publishing).
- `attempts`: learners taking one (start, save an answer, submit, close when time runs out).
- `self_ratings`: the learner's confidence in a module's skills, before and after it.

Each service runs in one transaction and raises ValidationError when the change is refused.
"""
