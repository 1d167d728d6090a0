"""`RunSQLFile`: a migration operation that installs a frozen SQL file with a mandatory reverse.

Paths are relative to the migration's `sql/` folder. The reverse is either another frozen file
(the previous body) or literal SQL such as ``DROP FUNCTION ...``; there is no no-op reverse.
"""

from pathlib import Path

from django.db import migrations


class RunSQLFile(migrations.RunSQL):
    def __init__(self, app: str, forward: str, reverse: str):
        folder = Path(__file__).resolve().parent.parent / app / "migrations" / "sql"

        def load(spec: str) -> str:
            return (folder / spec).read_text() if spec.endswith(".sql") else spec

        super().__init__(sql=load(forward), reverse_sql=load(reverse))
        self.forward_file = forward
