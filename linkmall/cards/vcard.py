"""vCard 3.0 (RFC 2426) of a guide's card, for "save to contacts".

Text values escape backslash, comma, semicolon and newlines; structured values (N, ORG, ADR)
escape each component and join them with semicolons. Lines end with CRLF and are folded at 75
octets without splitting a UTF-8 character, since phones reject both mistakes.
"""

from dataclasses import dataclass

FOLD_OCTETS = 75


def escape_text(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Split a content line into ≤75-octet pieces, continuation lines starting with one space."""
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode())
        limit = FOLD_OCTETS if not pieces else FOLD_OCTETS - 1  # the leading space counts
        if size + octets > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += octets
    pieces.append(current)
    return "\r\n ".join(pieces)


@dataclass(frozen=True)
class VCard:
    name: str
    org: str = ""
    unit: str = ""
    title: str = ""
    mobile: str = ""
    work_phone: str = ""
    street: str = ""
    city: str = ""
    url: str = ""
    note: str = ""
    photo_url: str = ""

    def lines(self) -> list[str]:
        lines = ["BEGIN:VCARD", "VERSION:3.0",
                 # a Chinese name is not "given family": keep it whole in the family name
                 f"N:{escape_text(self.name)};;;;", f"FN:{escape_text(self.name)}"]
        if self.org:
            org = escape_text(self.org) + (f";{escape_text(self.unit)}" if self.unit else "")
            lines.append(f"ORG:{org}")
        if self.title:
            lines.append(f"TITLE:{escape_text(self.title)}")
        if self.mobile:
            lines.append(f"TEL;TYPE=CELL,VOICE:{escape_text(self.mobile)}")
        if self.work_phone:
            lines.append(f"TEL;TYPE=WORK,VOICE:{escape_text(self.work_phone)}")
        if self.street or self.city:
            lines.append(f"ADR;TYPE=WORK:;;{escape_text(self.street)};{escape_text(self.city)};;;"
                         f"{escape_text('中国')}")
        if self.url:
            lines.append(f"URL:{self.url}")
        if self.note:
            lines.append(f"NOTE:{escape_text(self.note)}")
        if self.photo_url:
            lines.append(f"PHOTO;VALUE=uri:{self.photo_url}")
        lines.append("END:VCARD")
        return lines

    def serialize(self) -> bytes:
        return "".join(fold(line) + "\r\n" for line in self.lines()).encode()
