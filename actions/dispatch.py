"""Which function answers which question: used to continue a question the bot had to ask about
("which certificate?", "are you foreign?") once the user has answered."""
from __future__ import annotations

from actions import benefits, catalog_info, practice, recognition, verification

ANSWERERS = {
    "ask_recognized": recognition.recognition,
    "ask_benefits": benefits.benefits,
    "ask_work_permit": benefits.work_permit,
    "ask_visa": benefits.visa,
    "ask_title": benefits.title,
    "ask_residence_card": benefits.residence_card,
    "ask_practice": practice.practice,
    "ask_verification": verification.verification,
    "ask_catalog_stats": catalog_info.catalog_stats,
    "ask_catalog_browse": catalog_info.browse,
}
