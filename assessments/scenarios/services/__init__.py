"""Every write to scenarios and practice runs, and the read models their pages show, one module
per concept; import from the module that holds what you need
(`from assessments.scenarios.services import play`).

- `editing`: authoring (`scenario_create`, `node_create`, `node_save` (a line and its replies
  at once), `reply_update`, ..., `scenario_publish`).
- `importing`: creating or refreshing a scenario from a file's `ScenarioSpec`
  (`scenario_import`).
- `play`: learners playing (`run_start`, `run_reply`), and `ScenarioGraph`, which loads a
  scenario's lines and replies once (two queries) and answers the chat so far, the preview walk
  and the debrief without further queries.

Each write runs in one transaction and raises ValidationError (with field names where there is a
field) when the change is refused. A published scenario must stay playable: an authoring change
that would leave it with a validation problem is refused (unpublish it to rework it). Learners
therefore never meet a broken conversation; a run left on a line that an edit to an unpublished
scenario removed is simply started again (`run_start`).
"""
