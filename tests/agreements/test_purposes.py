"""An agreement's purposes (agreements.enums.AgreementPurpose) repeat the consent purposes plus search
and rescue for the distress log: the registry's purposes must stay exactly the consent purposes, or a
purpose a person can withdraw would have no agreement (or an agreement a purpose nobody consents to)."""

from __future__ import annotations

from refugio.agreements.enums import DATASET_PURPOSES, AgreementPurpose, ShareDataset
from refugio.registration.enums import ConsentPurpose


def test_the_registry_purposes_are_the_consent_purposes() -> None:
    registry = {p.value for p in DATASET_PURPOSES[ShareDataset.REGISTRY]}
    assert registry == {p.value for p in ConsentPurpose}
    assert {p.value for p in AgreementPurpose} == registry | {"search_and_rescue"}
