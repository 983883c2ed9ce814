"""`linkmall customers layers --json` (owned by the layering work)."""


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")


def handle(command, **options) -> None:
    raise NotImplementedError("customers layers is being built")
