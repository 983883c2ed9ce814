"""`linkmall scenario run FILE`: replay a scenario on a throwaway database and print its JSON.

Exit status: 0 when it ran (refused steps are listed under `rejected`), 2 when the file is
malformed — with a message naming the step, before anything runs.
"""

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from linkmall.core import clock
from linkmall.scenarios.parse import ScenarioError, parse_scenario


class Command(BaseCommand):
    help = "Replay a 2+1 scenario file (docs/specs/scenarios.md) through the real services."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run FILE on a fresh throwaway database")
        run.add_argument("file", help="the scenario YAML file")
        run.add_argument("--indent", type=int, default=2)
        run.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
        generate = sub.add_parser("generate", help="print a synthetic scenario (linkmall/scenarios/generate.py)")
        generate.add_argument("--users", type=int, required=True)
        generate.add_argument("--orders", type=int, required=True)
        generate.add_argument("--seed", type=int, default=1)
        generate.add_argument("--profile", default="classic")

    def handle(self, *args, action, **options):
        if action == "generate":
            from linkmall.scenarios.generate import scenario_generate

            try:
                for line in scenario_generate(users=options["users"], orders=options["orders"], seed=options["seed"],
                                              profile=options["profile"]):
                    self.stdout.write(line, ending="")
            except ValueError as exc:
                self.stderr.write(f"scenario generate: {exc}")
                sys.exit(2)
            return
        self.run_file(options["file"], options["indent"], show_progress=not options["no_progress"])

    def run_file(self, file: str, indent: int, *, show_progress: bool = True) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            self.stderr.write(f"scenario: cannot read {file}: {exc.strerror}")
            sys.exit(2)
        try:
            scenario = parse_scenario(text)
        except ScenarioError as exc:
            self.stderr.write(str(exc))
            sys.exit(2)

        from linkmall.scenarios.run import ScenarioRun

        with throwaway_database(), self.progress_bar(len(scenario.steps), show_progress) as progress:
            try:
                result = ScenarioRun(scenario).run(progress=progress)
            except Exception as exc:  # a bug, not a business refusal: say so plainly
                raise CommandError(f"scenario: the run failed: {exc!r}") from exc
            finally:
                clock.reset()
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent or None))


    @contextmanager
    def progress_bar(self, total: int, enabled: bool):
        """Steps done, rate and time left on standard error; a line every 30 s when it is not a
        terminal (a log file of a long run), so the JSON on standard output stays clean."""
        stream = self.stderr._out
        interactive = stream.isatty() if hasattr(stream, "isatty") else False
        bar = tqdm(total=total, unit="step", disable=not enabled, file=stream, desc="scenario",
                   mininterval=0.5 if interactive else 30, miniters=1 if interactive else None,
                   dynamic_ncols=interactive, ascii=not interactive)
        last = 0

        def progress(done: int, _total: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        try:
            yield progress
        finally:
            bar.close()


@contextmanager
def throwaway_database():
    """A fresh database of the configured kind, made and dropped like a test database, under a
    name of its own — so a run never touches the real data, nor a test database it runs inside."""
    old_name = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    saved = dict(test_settings)
    with tempfile.TemporaryDirectory(prefix="linkmall-scenario-") as tmp:
        if connection.vendor == "sqlite":
            test_settings["NAME"] = str(Path(tmp) / "scenario.sqlite3")
        else:
            test_settings["NAME"] = f"linkmall_scenario_{os.getpid()}"
        connection.close()
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
            test_settings.clear()
            test_settings.update(saved)
