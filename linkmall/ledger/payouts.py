"""Transfer adapters: how a withdrawal's money leaves the platform (WeChat Pay 商家转账, a bank…).

Chosen by settings.LINKMALL["PAYOUT_ADAPTER"]. The sandbox pays at once and answers the same
transfer id for the same withdrawal, as a real adapter must (it is called with the withdrawal's
key as the out-batch number, so a retried call never pays twice).
"""

import hashlib
from dataclasses import dataclass

from django.utils.module_loading import import_string

from linkmall.core.conf import linkmall_str


@dataclass(frozen=True)
class TransferResult:
    ok: bool
    transfer_id: str = ""
    message: str = ""


class TransferAdapter:
    def transfer(self, *, out_no: str, owner_kind: str, owner_id: int, amount_fen: int) -> TransferResult:
        raise NotImplementedError


class SandboxTransfer(TransferAdapter):
    def transfer(self, *, out_no: str, owner_kind: str, owner_id: int, amount_fen: int) -> TransferResult:
        if amount_fen <= 0:
            return TransferResult(ok=False, message="INVALID_AMOUNT")
        digest = hashlib.sha256(out_no.encode()).hexdigest()[:24]
        return TransferResult(ok=True, transfer_id=f"SBXT{digest}")


def payout_adapter() -> TransferAdapter:
    adapter_class: type[TransferAdapter] = import_string(linkmall_str("PAYOUT_ADAPTER"))
    return adapter_class()
