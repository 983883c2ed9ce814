"""`linkmall customers import FILE` (owned by the CRM/import work)."""


def add_arguments(parser) -> None:
    parser.add_argument("file")


def handle(command, **options) -> None:
    raise NotImplementedError("customers import is being built")
