"""Reading a page's query and form values: what a view takes from the URL, checked once."""


def db_id(value: object) -> int | None:
    """A whole number that can be a row's id (1 … 2³¹ − 1), or None for anything else: blank, junk,
    zero, negative or too large for the column."""
    try:
        number = int(str(value).strip()) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**31 else None
