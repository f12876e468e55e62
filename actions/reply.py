"""Send a catalog Answer through the dispatcher: text with its source line, buttons, and a custom
payload the web page uses (kind, citations, version) for the citation line and 👍/👎."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from catalog.answers import Answer


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    if answer.kind == "response":  # one of domain.yml's responses (greetings, thanks, goodbye), by name
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
        },
    )
