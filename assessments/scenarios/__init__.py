"""Branching practice conversations ("scenarios").

A learner talks to a simulated customer: each `ScenarioNode` is something the customer says
(with a mood), each `ScenarioReply` a reply the learner may choose, leading to the next line.
Lines with an outcome end the conversation. Feedback and behaviour scores stay hidden until the
debrief.

Modules: `loader` (YAML files → `ScenarioSpec`), `validation` (what makes a conversation
playable), `specs` (what a conversation is made of), `services` (every write,
and the read models of the chat and the debrief, by concept: `editing`, `importing`, `play`),
`permissions`, `views` (learners), `author_views`, `forms` and `branch_map` (the editor's map
of lines and replies) for training admins, `urls`.
"""
