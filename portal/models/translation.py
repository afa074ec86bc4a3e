"""Translators' edits to the message catalogs: the live layer over the .po files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.columns import utc_now


class TranslationEdit(Model):
    """The current translation of one catalog entry in one language, as last saved."""

    __tablename__ = "translation_edits"
    __table_args__ = (UniqueConstraint("language", "entry_key", name="uq_translation_edit_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(5))
    # A digest of context and msgid: msgids can be longer than an index allows.
    entry_key: Mapped[str] = mapped_column(String(64))
    context: Mapped[str | None] = mapped_column(Text)
    msgid: Mapped[str] = mapped_column(Text)
    msgid_plural: Mapped[str | None] = mapped_column(Text)
    strings: Mapped[list[str]] = mapped_column(JSON)
    fuzzy: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last translation saved as reviewed (not fuzzy): what customers keep seeing while a
    # newer one waits for review. None: nothing reviewed in the editor yet (the file serves).
    reviewed_strings: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    exported_revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_by_name: Mapped[str] = mapped_column(String(120))

    changes: Mapped[list[TranslationChange]] = relationship(
        back_populates="edit", order_by="TranslationChange.revision.desc()"
    )

    @property
    def changed_since_export(self) -> bool:
        """Saved after the last `flask translations export`."""
        return self.revision > self.exported_revision


class TranslationChange(Model):
    """One saved change of an entry: who, when, before and after."""

    __tablename__ = "translation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    edit_id: Mapped[int] = mapped_column(
        ForeignKey("translation_edits.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written: the history must still name a translator whose user is gone.
    user_name: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    strings_before: Mapped[list[str]] = mapped_column(JSON)
    strings_after: Mapped[list[str]] = mapped_column(JSON)
    fuzzy_before: Mapped[bool] = mapped_column(Boolean)
    fuzzy_after: Mapped[bool] = mapped_column(Boolean)

    edit: Mapped[TranslationEdit] = relationship(back_populates="changes")


class GlossaryTerm(Model):
    """One term of a language's glossary: the English word and how the catalog translates it."""

    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("language", "term_key", name="uq_glossary_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(5))
    term: Mapped[str] = mapped_column(String(80))
    # The term case-folded with single spaces: "Credit  Note" and "credit note" are one term.
    term_key: Mapped[str] = mapped_column(String(80))
    translation: Mapped[str] = mapped_column(String(120))
    # Other accepted forms, comma-separated: plurals, elisions ("fatture", "l'agente").
    variants: Mapped[str] = mapped_column(String(400), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_by_name: Mapped[str] = mapped_column(String(120))


class CatalogVersion(Model):
    """A counter per language, raised by every save: processes rebuild when it moves."""

    __tablename__ = "catalog_versions"

    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
