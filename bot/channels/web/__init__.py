"""The web: the chat page's channel (chat.py: /webhooks/webchat/, a signed session) and the pages and the
staff console's API (channel.py: /web/; its static files pages.py). credentials.yml names
`bot.channels.web.WebChatInput` and `bot.channels.web.WebChannel`."""
from bot.channels.web.channel import WebChannel, conversation_ref, may_write, ref_key
from bot.channels.web.chat import WebChatInput, signer_from
from bot.channels.web.pages import CSP, STATIC_FILES, WEB_ROOT

__all__ = ["CSP", "STATIC_FILES", "WEB_ROOT", "WebChannel", "WebChatInput", "conversation_ref",
           "may_write", "ref_key", "signer_from"]
