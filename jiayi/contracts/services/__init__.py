"""Every write of the contracts app. Views, the API, `jiayi daily` and imports call these."""

from .lifecycle import (
    contract_confirm_payment,
    contract_reassign_doctor,
    contract_renew,
    contract_set_renewal_opt_out,
    contract_terminate,
    contracts_daily,
)
from .signing import (
    MemberChoice,
    SigningResult,
    contract_sign,
    contract_sign_community,
    contract_sign_family,
)

__all__ = [
    "MemberChoice",
    "SigningResult",
    "contract_confirm_payment",
    "contract_reassign_doctor",
    "contract_renew",
    "contract_set_renewal_opt_out",
    "contract_sign",
    "contract_sign_community",
    "contract_sign_family",
    "contract_terminate",
    "contracts_daily",
]
