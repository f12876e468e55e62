"""Send a catalog Answer through the dispatcher: text with its source line, buttons, and a custom
payload the web page uses (kind, citations, version) for the citation line and 👍/👎."""
from __future__ import annotations

from typing import Optional

from rasa_sdk.executor import CollectingDispatcher

from catalog.answers import Answer


def send(dispatcher: CollectingDispatcher, answer: Answer, receipt: Optional[str] = None,
         handoff: bool = False) -> None:
    """`receipt`: the turn's receipt code (actions/receipt.py), in the custom payload of every answer: the web
    page shows it under the answer, WeChat at the end of its reply; the text itself is not changed. `handoff`:
    this answer offers a person (catalog/handoff.py): WeChat may pass the conversation to its agents' desk."""
    if answer.kind == "response":  # one of domain.yml's responses (greetings, thanks, goodbye), by name
        if receipt:
            dispatcher.utter_message(response=answer.text, json_message={"kind": "response", "lang": answer.lang,
                                                                         "receipt": receipt})
        else:
            dispatcher.utter_message(response=answer.text)
        return
    buttons = [{"title": title, "payload": payload} for title, payload in answer.buttons]
    dispatcher.utter_message(
        text=answer.full_text(),
        buttons=buttons or None,
        json_message={
            "kind": answer.kind,
            "lang": answer.lang,
            "cites": list(answer.cites),
            "source": answer.source,
            "version": answer.version,
            "qualification": answer.qualification,
            **({"receipt": receipt} if receipt else {}),
            **({"handoff": True} if handoff else {}),
        },
    )
