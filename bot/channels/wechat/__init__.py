"""The WeChat official account (微信公众号) channel, laid out as wechatpy lays out its package (our code,
stricter: constant-time compares, a CSPRNG nonce, padding checks, defusedxml):

    channel.py    WeChatInput: /webhooks/wechat/webhook (GET check, POST messages), answering, options, pages
    envelope.py   a POST opened (signatures, timestamp, XML, safe-mode decryption, routing fields), a reply sealed
    crypto.py     safe mode: AES-256-CBC with the EncodingAESKey, msg_signature, the AppID
    render.py     Rasa's messages as WeChat text; parts and pages of at most 2,048 bytes
    api.py        the customer-service message API and its access token
    dedup.py      one turn per message across the platform's retries and the replicas
    store.py      the shared state behind one interface: memory, or Redis when QUALIBOT_REDIS_URL is set

credentials.yml names `bot.channels.wechat.WeChatInput`.
"""
from bot.channels.wechat.channel import WeChatInput

__all__ = ["WeChatInput"]
