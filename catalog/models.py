"""SQLAlchemy 1.4 models of the catalog (2.0-style queries elsewhere; no 2.0-only constructs here).

Every row belongs to one catalog version, so a future version (section 五, dynamic adjustment)
can be loaded beside 3.0 and made current while 3.0 stays queryable.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

if TYPE_CHECKING:
    class Base:
        """What mypy sees of the declarative base: SQLAlchemy 1.4 ships no type information for it."""

        metadata: Any

        def __init__(self, **kwargs: Any) -> None: ...
else:
    Base = declarative_base()


class CatalogVersion(Base):
    __tablename__ = "catalog_versions"

    id = Column(Integer, primary_key=True)
    version = Column(String(16), nullable=False, unique=True)
    document_number = Column(String(64), nullable=False)
    date = Column(String(10), nullable=False)
    is_current = Column(Boolean, nullable=False, default=False)
    source_hash = Column(String(64), nullable=False)
    loaded_at = Column(DateTime, nullable=False)
    notice = Column(JSON, nullable=False)  # the whole notice.yaml
    sections = Column(JSON, nullable=False)  # clauses.yaml's section headings
    fields = Column(JSON, nullable=False)  # fields.yaml: zh -> en
    countries = Column(JSON, nullable=False)  # countries.yaml: zh -> en

    qualifications = relationship("Qualification", back_populates="version", cascade="all, delete-orphan")
    clauses = relationship("Clause", back_populates="version", cascade="all, delete-orphan")
    unlisted = relationship("UnlistedCredential", back_populates="version", cascade="all, delete-orphan")
    matching = relationship("MatchingData", back_populates="version", cascade="all, delete-orphan",
                            uselist=False)


class Qualification(Base):
    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("version_id", "qid"),)

    id = Column(Integer, primary_key=True)
    version_id = Column(Integer, ForeignKey("catalog_versions.id", ondelete="CASCADE"), nullable=False, index=True)
    qid = Column(String(8), nullable=False)  # U01..U07, R001..R115
    list = Column(String(8), nullable=False, index=True)  # urgent | regular
    row = Column(Integer, nullable=False)
    name_zh = Column(Text, nullable=False)
    name_en = Column(Text, nullable=False)
    issuer_zh = Column(Text, nullable=False, default="")
    issuer_en = Column(Text, nullable=False, default="")
    countries = Column(JSON, nullable=False)
    country_filled = Column(Boolean, nullable=False, default=False)
    region_zh = Column(Text)
    region_en = Column(Text)
    fields = Column(JSON, nullable=False)
    remark_zh = Column(Text, nullable=False)
    remark_en = Column(Text, nullable=False)
    experience_years = Column(Integer)
    experience_unit = Column(String(16), nullable=False, default="year")
    title_level = Column(String(8))
    registration_zh = Column(Text)
    registration_en = Column(Text)
    conditions = Column(JSON, nullable=False)
    notes = Column(JSON, nullable=False)

    version = relationship("CatalogVersion", back_populates="qualifications")
    aliases = relationship("Alias", back_populates="qualification", cascade="all, delete-orphan")


class Alias(Base):
    __tablename__ = "aliases"

    id = Column(Integer, primary_key=True)
    qualification_id = Column(Integer, ForeignKey("qualifications.id", ondelete="CASCADE"), nullable=False, index=True)
    text = Column(Text, nullable=False)
    normalized = Column(Text, nullable=False, index=True)
    kind = Column(String(8), default="specific")  # specific | generic | issuer (schema.QualificationRow)
    why = Column(Text)  # for a generic alias: who else uses the word

    qualification = relationship("Qualification", back_populates="aliases")


class Clause(Base):
    __tablename__ = "clauses"
    __table_args__ = (UniqueConstraint("version_id", "cid"),)

    id = Column(Integer, primary_key=True)
    version_id = Column(Integer, ForeignKey("catalog_versions.id", ondelete="CASCADE"), nullable=False, index=True)
    cid = Column(String(16), nullable=False)  # 一.1 … 五, 附件2.1 …
    position = Column(Integer, nullable=False)  # order in the notice
    section = Column(String(8), nullable=False)
    item = Column(Integer)
    cite_zh = Column(Text, nullable=False)
    cite_en = Column(Text, nullable=False)
    topic = Column(String(16), nullable=False)
    lists = Column(JSON, nullable=False)
    nationality = Column(String(8), nullable=False)
    fields = Column(JSON, nullable=False)
    professions_zh = Column(JSON, nullable=False)
    professions_en = Column(JSON, nullable=False)
    title_zh = Column(Text, nullable=False)
    title_en = Column(Text, nullable=False)
    summary_zh = Column(Text, nullable=False)
    summary_en = Column(Text, nullable=False)
    text_zh = Column(Text, nullable=False)
    text_en = Column(Text, nullable=False)
    facts = Column(JSON, nullable=False)

    version = relationship("CatalogVersion", back_populates="clauses")


class UnlistedCredential(Base):
    __tablename__ = "unlisted_credentials"

    id = Column(Integer, primary_key=True)
    version_id = Column(Integer, ForeignKey("catalog_versions.id", ondelete="CASCADE"), nullable=False, index=True)
    name_zh = Column(Text, nullable=False)
    name_en = Column(Text, nullable=False)
    aliases = Column(JSON, nullable=False)
    nearest = Column(JSON, nullable=False)
    reason_zh = Column(Text, nullable=False)
    reason_en = Column(Text, nullable=False)

    version = relationship("CatalogVersion", back_populates="unlisted")


class MatchingData(Base):
    """families.yaml and places.yaml of one version: the matcher's knowledge beyond single rows, versioned
    (and hashed) with the rows it speaks of."""

    __tablename__ = "matching_data"

    id = Column(Integer, primary_key=True)
    version_id = Column(Integer, ForeignKey("catalog_versions.id", ondelete="CASCADE"), nullable=False, unique=True)
    families = Column(JSON, nullable=False)
    places = Column(JSON, nullable=False)

    version = relationship("CatalogVersion", back_populates="matching")


class FeedbackEntry(Base):
    """A question the assistant could not answer (fallback) or an answer rated 👍/👎, for staff to review."""

    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False)
    kind = Column(String(16), nullable=False, index=True)  # fallback | helpful | unhelpful
    text = Column(Text, nullable=False, default="")  # the user's message (fallback) or the rated answer
    answer_kind = Column(String(32))
    lang = Column(String(4))


class Receipt(Base):
    """One answer's receipt (catalog/receipts.py): the short code a person reads to a hotline agent, and what
    the assistant said and why. Written once by the action server when it answers; the console reads it."""

    __tablename__ = "receipts"

    code = Column(String(8), primary_key=True)  # six characters, stored without the dash ("Q7K3F2")
    created_at = Column(DateTime, nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    turn = Column(Integer, nullable=False)  # the user message's number in the conversation, from 1
    message_id = Column(String(128))  # Rasa's message id: the key the logs of both servers and nginx share
    lang = Column(String(4))
    catalog_version = Column(String(16))
    action = Column(String(64))
    intent = Column(String(64))
    helped = Column(Boolean, nullable=False, default=True)  # False: a fallback, or rated 👎 afterwards
    question = Column(Text, nullable=False, default="")  # the user's words, masked
    text = Column(Text, nullable=False, default="")  # the exact text sent
    kinds = Column(JSON)  # the answers' kinds, in order
    rows = Column(JSON)  # the catalog rows the answer is about
    clauses = Column(JSON)  # the clauses it cites
    why = Column(JSON)  # intent and confidence, matcher verdict, facts, rule verdicts (actions/receipt.py)
