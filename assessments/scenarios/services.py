"""Every write to scenarios and practice runs, and the read models their pages show.

Writes: authoring (`scenario_create`, `node_create`, `reply_update`, ..., `scenario_publish`),
importing from files (`scenario_import`) and playing (`run_start`, `run_reply`). Each runs in
one transaction and raises ValidationError (with field names where there is a field) when the
change is refused.

A published scenario must stay playable: an authoring change that would leave it with a
validation problem is refused (unpublish it to rework it). Learners therefore never meet a
broken conversation; a run left on a line that an edit to an unpublished scenario removed is
simply started again (`run_start`).

Reads: `ScenarioGraph` loads a scenario's lines and replies once (two queries) and answers the
chat so far, the preview walk and the debrief without further queries.

The code lives in modules by concept: `specs`, `importing`, `editing` and `play`; this module
gathers their public names so callers have one place to import from.
"""

from .editing import (  # noqa: F401
    node_create,
    node_delete,
    node_update,
    reply_create,
    reply_delete,
    reply_update,
    scenario_create,
    scenario_publish,
    scenario_unpublish,
    scenario_update,
)
from .importing import (  # noqa: F401
    ScenarioImported,
    scenario_import,
    scenario_import_problems,
)
from .play import (  # noqa: F401
    BehaviourTotal,
    DebriefStep,
    ScenarioGraph,
    Turn,
    Walk,
    behaviour_totals,
    run_reply,
    run_start,
    scenario_completed,
)
from .specs import (  # noqa: F401
    BEHAVIOURS,
    SCORE_MAX,
    SCORE_MIN,
    NodeSpec,
    ReplySpec,
    ScenarioSpec,
    reply_total,
    scores_clean,
)
