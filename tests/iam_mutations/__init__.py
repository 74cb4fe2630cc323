"""Evidence that the IAM grants matter (`make iam-mutations`) and which are never used (`make iam-unused`).

- `grants`: the stacks' grants as the local cloud holds them after the deploy (roles' statements, Lambda permissions);
- `scenarios`: named end-to-end scenarios on a running local cloud;
- `mutations`: one grant removed through the AWS endpoint, a scenario run, the grant put back, the verdict;
- `runner` (`python -m tests.iam_mutations`): every grant a scenario exercises and every Lambda permission, in turn;
- `unused` (`python -m tests.iam_mutations.unused <file>`): what the e2e suite was granted and never used.
"""

import constructs_lib  # noqa: F401  (puts the shared layer, hence trading_core, on sys.path when run as a module)
